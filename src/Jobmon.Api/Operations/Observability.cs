using System.Diagnostics;
using System.Diagnostics.Metrics;
using Jobmon.Admin;
using Marten;
using OpenTelemetry.Metrics;

namespace Jobmon.Operations;

/// <summary>Jobmon's own metrics (Prometheus at /metrics): ingestion rate and latency, projection lag, InfluxDB latency, errors.</summary>
public sealed class JobmonMetrics : IDisposable
{
    public const string MeterName = "Jobmon";
    private readonly Meter _meter = new(MeterName);
    public Counter<long> Ingested { get; }
    public Histogram<double> IngestDuration { get; }
    public Histogram<double> InfluxQueryDuration { get; }
    public Counter<long> Errors { get; }
    private volatile IReadOnlyDictionary<string, long> _lag = new Dictionary<string, long>();

    public JobmonMetrics()
    {
        Ingested = _meter.CreateCounter<long>("jobmon_ingest_requests", description: "Ingestion requests by operation and outcome");
        IngestDuration = _meter.CreateHistogram<double>("jobmon_ingest_duration", unit: "ms", description: "Ingestion latency until the commit");
        InfluxQueryDuration = _meter.CreateHistogram<double>("jobmon_influx_query_duration", unit: "ms", description: "InfluxDB query latency");
        Errors = _meter.CreateCounter<long>("jobmon_errors", description: "Unexpected server errors");
        _meter.CreateObservableGauge("jobmon_projection_lag_events", () =>
            _lag.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("projection", kv.Key))),
            description: "Events between the high-water mark and each async projection");
    }

    public void SetLag(IReadOnlyDictionary<string, long> lag) => _lag = lag;
    public IReadOnlyDictionary<string, long> Lag => _lag;
    public void Dispose() => _meter.Dispose();
}

/// <summary>Polls projection progress every few seconds for the lag gauge and readiness.</summary>
public sealed class ProjectionLagMonitor(IDocumentStore store, RebuildTracker tracker, JobmonMetrics metrics, ILogger<ProjectionLagMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        do
        {
            try
            {
                var overview = await ProjectionAdmin.OverviewAsync(store, tracker, stoppingToken, withCounts: false);
                metrics.SetLag(overview.Projections.Where(p => p.Lifecycle == "Async")
                    .ToDictionary(p => p.Name, p => p.Shards.Count == 0 ? overview.HighWaterMark : p.Shards.Max(s => s.Behind)));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Could not read projection progress");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

public static class Observability
{
    public static IServiceCollection AddJobmonObservability(this IServiceCollection services)
    {
        services.AddSingleton<JobmonMetrics>();
        services.AddHostedService<ProjectionLagMonitor>();
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(JobmonMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        return services;
    }

    public static IEndpointRouteBuilder MapJobmonHealth(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" })).AllowAnonymous().WithTags("Health");
        app.MapGet("/health/ready", Ready).AllowAnonymous().WithTags("Health")
            .WithSummary("PostgreSQL, InfluxDB and projection lag; 503 when PostgreSQL is unreachable.");
        // The original's health check (its Docker healthcheck used it); 200 instead of its odd 202.
        return app;
    }

    public static async Task<IResult> Ready(IDocumentStore store, JobmonMetrics metrics, IServiceProvider services, CancellationToken ct)
    {
        var checks = new Dictionary<string, object>();
        var ready = true;
        var sw = Stopwatch.StartNew();
        try
        {
            await using var session = store.QuerySession();
            await session.QueryAsync<int>("select 1", ct);
            checks["postgres"] = new { status = "ok", latencyMs = sw.Elapsed.TotalMilliseconds };
        }
        catch (Exception e)
        {
            ready = false;
            checks["postgres"] = new { status = "down", error = e.GetType().Name };
        }
        foreach (var probe in services.GetServices<IReadinessProbe>())
            checks[probe.Name] = await probe.CheckAsync(ct);
        checks["projections"] = new
        {
            status = metrics.Lag.Values.DefaultIfEmpty(0).Max() > 100_000 ? "lagging" : "ok",
            lag = metrics.Lag,
        };
        return Results.Json(new { status = ready ? "ready" : "not ready", checks }, statusCode: ready ? 200 : 503);
    }
}

/// <summary>Optional dependencies (InfluxDB) report here; they degrade readiness output but never fail it.</summary>
public interface IReadinessProbe
{
    string Name { get; }
    Task<object> CheckAsync(CancellationToken ct);
}
