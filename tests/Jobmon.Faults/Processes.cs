using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Jobmon.Faults;

/// <summary>A private PostgreSQL server (Debian binaries, temp folder, loopback port) that the suite can restart.</summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private readonly string _bin, _root, _data;
    private readonly bool _asRoot = Environment.UserName == "root";
    public int Port { get; }
    public string Admin => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5;Pooling=false";

    private LocalPostgres(string bin, string root, int port) { _bin = bin; _root = root; _data = Path.Combine(root, "data"); Port = port; }

    public static async Task<LocalPostgres> StartAsync(int firstPort)
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql).");
        var root = Path.Combine(Path.GetTempPath(), $"jobmon-faults-pg-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        var pg = new LocalPostgres(bin, root, Ports.Free(firstPort));
        if (pg._asRoot) await Shell.RunAsync("chown", $"postgres:postgres {root}");
        await pg.AsPostgresAsync("initdb", $"-D {pg._data} -U postgres -A trust -E UTF8 --no-sync");
        // Durable defaults (fsync on), as an operator runs it: the suite measures a restart's real recovery.
        // Kept in the data folder so the restart uses them too.
        await File.AppendAllTextAsync(Path.Combine(pg._data, "postgresql.conf"), "\nlisten_addresses = '127.0.0.1'\nmax_connections = 300\nshared_buffers = 256MB\n");
        await pg.AsPostgresAsync("pg_ctl", $"-D {pg._data} -l {Path.Combine(root, "server.log")} -w -t 60 -o \"-p {pg.Port} -k {root}\" start");
        return pg;
    }

    /// <summary>pg_ctl restart -m fast: every connection ends, the server is back when this returns.</summary>
    public Task RestartAsync() => AsPostgresAsync("pg_ctl", $"-D {_data} -l {Path.Combine(_root, "server.log")} -m fast -w -t 60 -o \"-p {Port} -k {_root}\" restart");

    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var conn = new NpgsqlConnection(Admin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
        await cmd.ExecuteNonQueryAsync();
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    private Task AsPostgresAsync(string tool, string args) =>
        _asRoot ? Shell.RunAsync("runuser", $"-u postgres -- {Path.Combine(_bin, tool)} {args}") : Shell.RunAsync(Path.Combine(_bin, tool), args);

    public async ValueTask DisposeAsync()
    {
        try { await AsPostgresAsync("pg_ctl", $"-D {_data} -m immediate -w stop"); } catch { /* already down */ }
        try { Directory.Delete(_root, recursive: true); } catch { /* best effort */ }
    }
}

/// <summary>One Jobmon process (the API's dll, as ops/run starts it), HotCold on the shared database.</summary>
public sealed class JobmonProcess(string name, string dll, string connectionString, int port, string logFolder)
{
    public const string IngestToken = "faults-ingest-token-0123456789";
    public const string AdminToken = "faults-admin-token-0123456789";
    public string Name { get; } = name;
    public string Url { get; } = $"http://127.0.0.1:{port}";
    private Process? _process;
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;
    public bool Alive => _process is { HasExited: false };

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" --urls {Url}")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        // Application Name tells the suite which process holds a lease (pg_stat_activity).
        info.Environment["JOBMON_POSTGRES"] = $"{connectionString};Application Name=jobmon-{Name}";
        info.Environment["JOBMON_INGEST_TOKEN"] = IngestToken;
        info.Environment["JOBMON_ADMIN_TOKEN"] = AdminToken;
        info.Environment["JOBMON_ADMIN_PASSWORD"] = "faults-admin-password";
        info.Environment["Jobmon__DaemonMode"] = "HotCold";
        info.Environment["Jobmon__SweeperEnabled"] = "false";
        info.Environment["Jobmon__ProjectionLagPollSeconds"] = "1";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ";
        info.Environment.Remove("JOBMON_INFLUXDB");
        _process = Process.Start(info)!;
        var log = new StreamWriter(Path.Combine(logFolder, $"jobmon-{Name}.log"), append: true) { AutoFlush = true };
        _ = PumpAsync(_process.StandardOutput, log);
        _ = PumpAsync(_process.StandardError, log);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(180); // a loaded 2-core machine took over 90 s
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Jobmon {Name} exited at start (code {_process.ExitCode}); see its log in {logFolder}");
            try { if ((await http.GetAsync($"{Url}/api/ping")).IsSuccessStatusCode) return; } catch { /* not up yet */ }
            await Task.Delay(200);
        }
        throw new TimeoutException($"Jobmon {Name} did not answer /api/ping within 180 s");
    }

    private static async Task PumpAsync(StreamReader from, StreamWriter to)
    {
        string? line;
        while ((line = await from.ReadLineAsync()) is not null)
            lock (to) to.WriteLine(line);
    }

    /// <summary>kill -9: no shutdown, no lock release; PostgreSQL sees the sockets close.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } p) return;
        p.Kill(entireProcessTree: true);
        p.WaitForExit(10_000);
    }

    /// <summary>Graceful stop (SIGTERM), as at the end of the run.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p) return;
        await Shell.RunAsync("kill", $"-TERM {p.Id}");
        if (!p.WaitForExit(30_000)) Kill();
    }

    /// <summary>Resident set size in MB from /proc.</summary>
    public double? RssMb()
    {
        try
        {
            if (Pid is not { } pid) return null;
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:"));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        }
        catch { return null; }
    }
}

public static class Ports
{
    public static int Free(int from)
    {
        for (var p = from; p < from + 100; p++)
        {
            try { var l = new TcpListener(IPAddress.Loopback, p); l.Start(); l.Stop(); return p; }
            catch (SocketException) { /* taken */ }
        }
        throw new InvalidOperationException($"no free port in {from}..{from + 99}");
    }
}

public static class Shell
{
    public static async Task RunAsync(string exe, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {args} failed ({p.ExitCode}): {await stdout} {await stderr}");
    }
}
