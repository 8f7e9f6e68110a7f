using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Jobmon.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server for the whole test run: JOBMON_TEST_POSTGRES if set; else Testcontainers when a Docker engine
/// answers; else a private server started from the installed Debian binaries in a temp folder on a free loopback port
/// (as the postgres system user when we are root, since initdb/postgres refuse root). Torn down at process exit.
/// Each test host gets its own database so hosts never see each other's data.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    public static Task<string> ConnectionStringAsync() => Server.Value;

    /// <summary>A fresh, empty database on the shared server.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix = "jobmon_test")
    {
        var admin = await Server.Value;
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("JOBMON_TEST_POSTGRES") is { Length: > 0 } given) return given;
        if (await DockerAnswersAsync())
        {
            var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await container.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return container.GetConnectionString();
        }
        return await PrivateServer.StartAsync();
    }

    private static async Task<bool> DockerAnswersAsync()
    {
        if (!File.Exists("/var/run/docker.sock") && Environment.GetEnvironmentVariable("DOCKER_HOST") is null) return false;
        try
        {
            using var p = Process.Start(new ProcessStartInfo("docker", "info --format {{.ServerVersion}}")
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await p.WaitForExitAsync(cts.Token);
            return p.ExitCode == 0;
        }
        catch { return false; }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static class PrivateServer
    {
        public static async Task<string> StartAsync()
        {
            var bin = Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                    .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
                : null;
            if (bin is null)
                throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql: install the Debian package postgresql (apt-get install -y postgresql), or set JOBMON_TEST_POSTGRES.");

            var root = Path.Combine(Path.GetTempPath(), $"jobmon-test-pg-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
            var data = Path.Combine(root, "data");
            Directory.CreateDirectory(root);
            var asRoot = Environment.UserName == "root";
            if (asRoot) await RunAsync("chown", $"postgres:postgres {root}");
            var port = FreePort();
            await RunAsPostgresAsync(asRoot, Path.Combine(bin, "initdb"), $"-D {data} -U postgres -A trust -E UTF8 --no-sync");
            // Tests trade durability for speed; benchmarks (JOBMON_TEST_PG_DURABLE=1) keep PostgreSQL's durable defaults.
            var durability = Environment.GetEnvironmentVariable("JOBMON_TEST_PG_DURABLE") == "1" ? "" : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            // Benchmarks size shared_buffers for a million jobs (the job view and its indexes are ~2 GB), as an operator would.
            var buffers = durability.Length == 0 ? "2GB" : "512MB";
            var options = $"-p {port} -c listen_addresses=127.0.0.1 -k {root} {durability} -c max_connections=400 -c shared_buffers={buffers}";
            await RunAsPostgresAsync(asRoot, Path.Combine(bin, "pg_ctl"), $"-D {data} -l {Path.Combine(root, "server.log")} -w -t 60 -o \"{options}\" start");

            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    RunAsPostgresAsync(asRoot, Path.Combine(bin, "pg_ctl"), $"-D {data} -m immediate -w stop").GetAwaiter().GetResult();
                    Directory.Delete(root, recursive: true);
                }
                catch { /* best effort at exit */ }
            };
            return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Maximum Pool Size=60;Timeout=30;Command Timeout=120";
        }

        private static Task RunAsPostgresAsync(bool asRoot, string exe, string args) =>
            asRoot ? RunAsync("runuser", $"-u postgres -- {exe} {args}") : RunAsync(exe, args);

        private static async Task RunAsync(string exe, string args)
        {
            using var p = Process.Start(new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"{exe} {args} failed ({p.ExitCode}): {await stdout} {await stderr}");
        }
    }
}
