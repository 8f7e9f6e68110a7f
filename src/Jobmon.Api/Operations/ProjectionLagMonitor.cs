using System.Diagnostics;
using System.Diagnostics.Metrics;
using Jobmon.Admin;
using Jobmon.Infrastructure;
using JasperFx.Events.Daemon;
using Marten;
using OpenTelemetry.Metrics;

namespace Jobmon.Operations;

/// <summary>
/// Polls projection progress (default every 5 s) for the lag gauge and readiness, and is the async daemon's watchdog:
/// a shard that is behind and has not moved for <c>Jobmon:ProjectionStallSeconds</c> (default 60) is "stalled"
/// (readiness fails), and every process that sees it restarts its daemon's agents through the coordinator: the one
/// holding the shard (paused, stopped after a failed batch — e.g. ProgressionProgressOutOfOrderException after a
/// lease
/// moved, which stops the shard but keeps its lock — or wedged) lets go and takes it up again; the others retry its
/// lock.
/// </summary>
public sealed class ProjectionLagMonitor(IDocumentStore store, RebuildTracker tracker, JobmonTelemetry telemetry,
    IServiceProvider services,
    IConfiguration configuration, TimeProvider clock, IHostApplicationLifetime lifetime,
        ILogger<ProjectionLagMonitor> logger) : BackgroundService
{
    private readonly Dictionary<string, (long Sequence, DateTimeOffset Since)> _progress = new();
    private TimeSpan StallAfter => TimeSpan.FromSeconds(configuration.GetValue("Jobmon:ProjectionStallSeconds", 60.0));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(
            configuration.GetValue("Jobmon:ProjectionLagPollSeconds", 5.0)));
        // Stall periods count from when the app (and with it the daemon) runs, not from the start of the host.
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(stoppingToken);
        do
        {
            try { await CheckAsync(stoppingToken); }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not read projection progress: {Message}", e.Message);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task CheckAsync(CancellationToken ct)
    {
        var overview = await ProjectionAdmin.OverviewAsync(store, tracker, ct, withCounts: false);
        // Lag against the newest stored event (OverviewAsync), so a stopped daemon's frozen mark hides nothing.
        var now = clock.GetUtcNow();
        var health = new List<ShardHealth>();
        foreach (var projection in overview.Projections.Where(p => p.Lifecycle == "Async"))
        {
            var rebuilding = projection.Rebuild is { State: "running" };
            var shards = projection.Shards.Count > 0 ? projection.Shards
                : [new ShardStatus(projection.Name + ":All", 0, overview.HighWaterMark)];
            foreach (var shard in shards)
            {
                if (!_progress.TryGetValue(shard.Shard, out var seen) || seen.Sequence != shard.Sequence
                    || shard.Behind == 0)
                    _progress[shard.Shard] = seen = (shard.Sequence, now);
                health.Add(new ShardHealth(shard.Shard, shard.Behind, !rebuilding && shard.Behind > 0
                    && now - seen.Since >= StallAfter, seen.Since, rebuilding));
            }
        }
        telemetry.SetShards(health);
        foreach (var stalled in health.Where(h => h.Stalled)) await RestartIfHeldHereAsync(stalled, ct);
    }

    private async Task RestartIfHeldHereAsync(ShardHealth shard, CancellationToken ct)
    {
        if (services.GetService<IProjectionCoordinator>() is not { } coordinator) return;
        var agent = coordinator.DaemonForMainDatabase().CurrentAgents()
            .FirstOrDefault(a => a.Name.Identity == shard.Shard);
        logger.LogWarning("Projection shard {Shard} is {Behind} events behind and has not moved since {Since:u} " +
            "({Status} here): restarting the daemon's agents",
            shard.Shard, shard.Behind, shard.LastProgress, agent?.Status.ToString() ?? "not running");
        // Through the coordinator: stop every agent, then its normal start path, which takes (or waits for) the shard's
        // lock again. Stopping and starting one agent of a composite projection directly sent it into a rebuild that
        // never finished; a coordinator that stopped its agents but kept their locks is resumed the same way.
        await coordinator.PauseAsync();
        await coordinator.ResumeAsync();
        _progress[shard.Shard] = (-1, clock.GetUtcNow()); // give the restarted shard a full stall period
    }
}
