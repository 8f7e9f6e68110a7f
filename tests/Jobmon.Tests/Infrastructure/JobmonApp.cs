using System.Net.Http.Headers;
using System.Net.Http.Json;
using JasperFx;
using JasperFx.CommandLine;
using Marten.Events;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Jobmon.Tests.Infrastructure;

/// <summary>The real app (real HTTP pipeline, real PostgreSQL) in its own database.</summary>
public sealed class JobmonApp : WebApplicationFactory<Program>
{
    public const string IngestToken = "test-ingest-token-0123456789";
    public const string AdminToken = "test-admin-token-0123456789";

    static JobmonApp() => JasperFxEnvironment.AutoStartHost = true;

    public string ConnectionString { get; }
    private readonly Dictionary<string, string?> _settings;

    private JobmonApp(string connectionString, Dictionary<string, string?> settings)
    {
        ConnectionString = connectionString;
        _settings = settings;
    }

    /// <summary>Set when the app listens on a real loopback port (for curl, browsers).</summary>
    public string? KestrelUrl { get; private set; }

    public static async Task<JobmonApp> StartAsync(string? connectionString = null, string daemonMode = "Solo",
        IDictionary<string, string?>? extra = null, int? kestrelPort = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["JOBMON_POSTGRES"] = connectionString ?? await PostgresServer.CreateDatabaseAsync(),
            ["JOBMON_INGEST_TOKEN"] = IngestToken,
            ["JOBMON_ADMIN_TOKEN"] = AdminToken,
            ["Jobmon:DaemonMode"] = daemonMode,
            ["Jobmon:SweeperEnabled"] = "false",
            // Several group-commit writers on any machine, so concurrent requests for one job meet in different
            // batches and the conflict fallback is exercised (the default is one writer per two cores).
            ["Jobmon:IngestionWriters"] = "4",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        var app = new JobmonApp(settings["JOBMON_POSTGRES"]!, settings);
        if (kestrelPort is { } port)
        {
            app.UseKestrel(port);
            app.StartServer();
            app.KestrelUrl = $"http://127.0.0.1:{port}";
        }
        else _ = app.Server; // start now, so failures surface here
        await Task.CompletedTask;
        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        builder.ConfigureServices(services =>
        {
            services.RunWolverineInSoloMode();
            services.DisableAllExternalWolverineTransports();
        });
    }

    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    public HttpClient Client(string? token = null)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false, HandleCookies = false,
            BaseAddress = new Uri(KestrelUrl ?? "http://localhost"),
        });
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient Admin() => Client(AdminToken);
    public HttpClient Ingest() => Client(IngestToken);

    public Task WaitForProjectionsAsync() => Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

    /// <summary>Appends job events as job-end processing or a running-statistics round does: through the job-stream
    /// writer (an append around it is refused by JobStreamGuard).</summary>
    public async Task AppendJobEventsAsync(Guid jobId, params object[] events)
    {
        var writer = Services.GetRequiredService<Jobmon.Jobs.Writing.JobStreamWriter>();
        var written = await writer.WriteAsync(jobId, new Jobmon.Infrastructure.EventContext("test", $"test-{Guid.NewGuid():N}", "test"),
            (_, _) => new Jobmon.Jobs.Writing.Decision.Append(jobId, false, events, "test"), CancellationToken.None);
        if (written is not Jobmon.Jobs.Writing.Decision.Append) throw new InvalidOperationException($"not appended: {written}");
    }
}

/// <summary>Shared app for tests that isolate themselves by unique cluster and user names.</summary>
public sealed class SharedApp : IAsyncLifetime
{
    public JobmonApp App { get; private set; } = null!;
    public async Task InitializeAsync() => App = await JobmonApp.StartAsync();
    public async Task DisposeAsync() => await App.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedAppCollection : ICollectionFixture<SharedApp>
{
    public const string Name = "shared app";
}

public static class Unique
{
    public static string Name(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..10]}";
    private static long _id = Random.Shared.NextInt64(1_000_000, 9_000_000);
    public static long SlurmId() => Interlocked.Increment(ref _id);
}

public static class HttpExtensions
{
    public static async Task<T> ReadAs<T>(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new ShouldAssertException($"expected success, got {(int)response.StatusCode}: {body}");
        return System.Text.Json.JsonSerializer.Deserialize<T>(body, Json)!;
    }

    public static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase) },
    };

    /// <summary>What the SLURM script does: JSON as the form content type curl uses by default.</summary>
    public static StringContent FormJson(string json) => new(json, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");

    public static Task<HttpResponseMessage> PatchJson(this HttpClient client, string url, string json) =>
        client.PatchAsync(url, FormJson(json));
}

public static class DaemonExtensions
{
    /// <summary>The async projection shards this process is running right now.</summary>
    public static string[] RunningShards(this JobmonApp app)
    {
        var coordinator = app.Services.GetRequiredService<JasperFx.Events.Daemon.IProjectionCoordinator>();
        return coordinator.DaemonForMainDatabase().CurrentAgents().Select(a => a.Name.Identity).ToArray();
    }
}
