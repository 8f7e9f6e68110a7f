using System.Diagnostics;
using System.Diagnostics.Metrics;
using Jobmon.Admin;
using Jobmon.Infrastructure;
using JasperFx.Events.Daemon;
using Marten;
using OpenTelemetry.Metrics;

namespace Jobmon.Operations;


public static class Observability
{
    public static IServiceCollection AddJobmonObservability(this IServiceCollection services)
    {
        services.AddSingleton<JobmonTelemetry>();
        services.AddHostedService<ProjectionLagMonitor>();
        services.AddHostedService<ProjectionLeaseGuard>();
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(JobmonTelemetry.MeterName)
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
            .WithSummary("PostgreSQL, InfluxDB and projection lag; 503 when PostgreSQL is unreachable or an async " +
                "projection is stalled or too far behind.");
        // The original's health check (its Docker healthcheck used it); 200 instead of its odd 202.
        return app;
    }

    /// <summary>Readiness fails while an async shard (not being rebuilt) is more than this many events behind
    /// (<c>Jobmon:ProjectionReadyMaxLag</c>): 5,000 is ~25 s of the sustained load the project is sized for (100
    /// start+stop pairs/s) and ten times a normal daemon batch, so only a shard that has fallen well behind trips
    /// it.</summary>
    public const long DefaultReadyMaxLag = 5_000;

    public static async Task<IResult> Ready(IDocumentStore store, JobmonTelemetry telemetry, IServiceProvider services,
        IConfiguration configuration, CancellationToken ct)
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
        // A stalled shard fails readiness: its read models (summaries, job-end processing) no longer follow the events.
        // So does one too far behind: summaries that far off mislead, even while they still move.
        var maxLag = configuration.GetValue("Jobmon:ProjectionReadyMaxLag", DefaultReadyMaxLag);
        bool TooFarBehind(ShardHealth s) => !s.Rebuilding && s.Behind > maxLag;
        var stalled = telemetry.Shards.Where(s => s.Stalled).Select(s => s.Shard).ToList();
        var behind = telemetry.Shards.Any(TooFarBehind);
        // Which shards this process runs now (HotCold: the lease holder), for operators and the fault suite.
        var runningHere = services.GetService<IProjectionCoordinator>()?.DaemonForMainDatabase().CurrentAgents()
            .Where(a => a.Status == JasperFx.AgentStatus.Running).Select(a => a.Name.Identity).ToHashSet() ?? [];
        if (stalled.Count > 0 || behind) ready = false;
        checks["projections"] = new
        {
            status = stalled.Count > 0 ? "stalled" : behind ? "too far behind" : telemetry.Shards.Any(s => s.Behind > 0)
                ? "catching up" : "ok",
            lag = telemetry.Lag,
            maxLag,
            shards = telemetry.Shards.Select(s => new
            {
                s.Shard, s.Behind,
                status = s.Stalled ? "stalled" : TooFarBehind(s) ? "too far behind" : s.Behind > 0 ? "catching up"
                    : "ok",
                lastProgress = s.LastProgress,
                runsHere = runningHere.Contains(s.Shard),
            }),
        };
        return Results.Json(new { status = ready ? "ready" : "not ready", checks }, statusCode: ready ? 200 : 503);
    }
}
