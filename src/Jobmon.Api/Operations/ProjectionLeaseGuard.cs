using JasperFx;
using JasperFx.Events.Daemon;

namespace Jobmon.Operations;

/// <summary>
/// HotCold only: closes the two gaps in Marten's lease handling that froze the async summaries after database
/// connection cuts (issue 18.1), checked every <c>Jobmon:ProjectionLeaseCheckMilliseconds</c> (default 500):
/// <list type="bullet">
/// <item>A shard whose lease (advisory lock) this process has lost stops at once. Marten's coordinator notices a lost
/// lock only on its next leadership poll, and then stops the agent only if another process has already taken the
/// lock; meanwhile the old holder kept committing batches next to the new one.</item>
/// <item>A shard stopped by a critical failure (<see cref="ProgressionProgressOutOfOrderException"/>: another process
/// moved its progression, the sign of two holders) is removed and its lease released, so the next leadership poll
/// (this process or another) starts it afresh from the stored progression. Marten marks such an agent "Stopped" and
/// keeps both the agent and the lock, and its coordinator restarts only "Paused" agents: nobody ran the shard
/// again.</item>
/// </list>
/// Marten's own guard stays the backstop: a batch commits only if the shard's stored progression still equals the
/// batch's floor, so two holders never apply the same events twice.
/// </summary>
public sealed class ProjectionLeaseGuard(IServiceProvider services, IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<ProjectionLeaseGuard> logger) : BackgroundService
{
    // A shard seen "Stopped" on two checks in a row: a normal stop removes its agent within one check.
    private readonly HashSet<string> _seenStopped = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IProjectionCoordinator>()
            is not ProjectionCoordinatorBase { Distributor: { } distributor } coordinator) return;
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(
            configuration.GetValue("Jobmon:ProjectionLeaseCheckMilliseconds", 500.0)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await CheckAsync(coordinator, distributor); }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not check the projection leases: {Message}", e.Message);
            }
        }
    }

    private async Task CheckAsync(IProjectionCoordinator coordinator, IProjectionDistributor distributor)
    {
        var daemon = coordinator.DaemonForMainDatabase();
        var agents = daemon.CurrentAgents();
        if (agents.Count == 0) { _seenStopped.Clear(); return; }
        var sets = await distributor.BuildDistributionAsync();
        foreach (var agent in agents)
        {
            var identity = agent.Name.Identity;
            var set = sets.FirstOrDefault(s => s.Names.Any(n => n.Identity == identity));
            if (set is null || daemon.IsRebuilding(agent.Name)) continue;
            if (agent.Status == AgentStatus.Running && !distributor.HasLock(set))
            {
                logger.LogWarning(
                    "Projection shard {Shard} lost its lease (its lock connection broke): stopping it now", identity);
                await agent.HardStopAsync();
                daemon.EjectPausedShard(identity);
                // forget the dead handle; the next leadership poll competes again
                await distributor.ReleaseLockAsync(set);
                continue;
            }
            if (agent.Status != AgentStatus.Stopped) { _seenStopped.Remove(identity); continue; }
            if (_seenStopped.Add(identity)) continue;
            _seenStopped.Remove(identity);
            logger.LogWarning("Projection shard {Shard} stopped after {Failure}: releasing its lease so it starts " +
                "again from its stored progression",
                identity, agent.Failure?.Detail ?? "a failure");
            daemon.EjectPausedShard(identity);
            await distributor.ReleaseLockAsync(set);
        }
    }
}
