using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Operations;

namespace Jobmon.Metrics;

public static class MetricsSetup
{
    public static IServiceCollection AddJobmonMetrics(this IServiceCollection services, JobmonSettings settings)
    {
        services.AddSingleton<CatalogueStore>();
        services.AddSingleton<JobMetricsService>();
        services.AddSingleton<LiveFeeds>();
        services.AddSingleton<IReadinessProbe, InfluxReadiness>();
        services.AddHostedService<RunningStatistics>();
        if (settings.InfluxUrl is { } url)
            services.AddJobmonInflux(o =>
            {
                o.BaseUrl = url;
                o.Token = settings.InfluxToken;
                o.Org = settings.InfluxOrg;
                o.Database = settings.InfluxDatabase;
                o.Timeout = TimeSpan.FromSeconds(10);
                o.RetryCount = 1;
            });
        if (settings.SeedDefaultCatalogue) services.AddHostedService<DefaultCatalogueSeeder>();
        return services;
    }
}

/// <summary>cc-metric-collector's usual metrics, defined once when the catalogue is empty so a new install shows charts.</summary>
public sealed class DefaultCatalogueSeeder(CatalogueStore catalogue) : IHostedService
{
    private static readonly Aggregation[] All = [Aggregation.Sum, Aggregation.Mean, Aggregation.Min, Aggregation.Max];

    public static readonly MetricDefinition[] Metrics =
    [
        new("cpu_load", "CPU load", "cpu_load", "", MetricScope.Node, [], false, Aggregation.Mean, All, 76, null, ["CPU"]),
        new("cpu_user", "CPU user time", "cpu_user", "%", MetricScope.Socket, [], false, Aggregation.Mean, All, 100, 100, ["CPU"]),
        new("flops_any", "FLOP rate", "flops_any", "GFLOP/s", MetricScope.Socket, [], false, Aggregation.Sum, All, 4000, 2000, ["CPU"]),
        new("mem_bw", "Memory bandwidth", "mem_bw", "GB/s", MetricScope.Socket, [], false, Aggregation.Sum, All, 350, 175, ["Memory"]),
        new("mem_used", "Memory used", "mem_used", "GB", MetricScope.Node, [], false, Aggregation.Sum, All, 256, null, ["Memory"]),
        new("cpu_power", "CPU power", "cpu_power", "W", MetricScope.Socket, [], false, Aggregation.Sum, All, 700, 350, ["Energy"]),
        new("ib_recv", "InfiniBand receive", "ib_recv", "B/s", MetricScope.Node, [], true, Aggregation.Sum, All, 25e9, null, ["Network"]),
        new("net_bytes_in", "Ethernet receive", "net_bytes_in", "B/s", MetricScope.Node, [], true, Aggregation.Sum, All, 1.25e9, null, ["Network"]),
        new("acc_utilization", "GPU utilisation", "acc_utilization", "%", MetricScope.Accelerator, [], false, Aggregation.Mean, All, 100, 100, ["GPU"]),
        new("acc_mem_used", "GPU memory used", "acc_mem_used", "GB", MetricScope.Accelerator, [], false, Aggregation.Sum, All, 320, 80, ["GPU"]),
        new("acc_power", "GPU power", "acc_power", "W", MetricScope.Accelerator, [], false, Aggregation.Sum, All, 1600, 400, ["GPU", "Energy"]),
    ];

    public async Task StartAsync(CancellationToken ct)
    {
        var current = await catalogue.LoadAsync(ct);
        if (current.Version > 0) return;
        try
        {
            await catalogue.AppendAsync(new EventContext("jobmon", Guid.NewGuid().ToString("N"), "default-catalogue"), ct,
                Metrics.Select(m => (object)new MetricDefined(m, "jobmon")).ToArray());
        }
        catch (Exception) { /* another replica seeded it first */ }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
