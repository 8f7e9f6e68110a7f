using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;
using Wolverine;

namespace Jobmon.Overtime;


/// <summary>
/// Ends running jobs that exceeded their partition's MaxTime (plus a grace period) without an epilog push — the
/// original's sweeper, but it always ends the job, covers unconfigured partitions (DefaultMaxTime) and records why.
/// Several replicas may sweep at once: each end is a decision on the job's stream under optimistic concurrency, so
/// a job is ended once.
/// </summary>
public sealed class OvertimeSweeper(IDocumentStore store, JobStreamWriter writer, JobmonSettings settings,
    Jobmon.Metrics.CatalogueStore catalogueStore,
    TimeProvider clock, ILogger<OvertimeSweeper> logger)
{
    public async Task<SweepResult> SweepAsync(CancellationToken ct, string? requestedBy = null, string? reason = null)
    {
        var now = clock.GetUtcNow();
        var catalogue = await catalogueStore.LoadAsync(ct);
        // MaxTime: the catalogue's (virtual) partition, else the configuration, else the default.
        TimeSpan MaxTimeOf(JobView job) =>
            catalogue.MetricsFor(job.Cluster, job.Partition, job.Nodes).MaxTime is { } seconds
                ? TimeSpan.FromSeconds(seconds) : settings.MaxTimeOf(job.Partition);
        var shortest = settings.Partitions.Values.Where(p => p.MaxTime > 0).Select(p => TimeSpan.FromSeconds(p.MaxTime))
            .Concat(catalogue.Partitions.Values.SelectMany(p => p.VirtualPartitions.Select(v => v.MaxTime)
                .Append(p.MaxTime)).Where(m => m > 0).Select(m => TimeSpan.FromSeconds(m!.Value)))
            .Append(settings.DefaultMaxTime).Min();
        var startedBefore = now - shortest - settings.SweepGrace;
        int examined = 0, ended = 0;
        DateTimeOffset? after = null;
        while (true)
        {
            await using var query = store.QuerySession();
            var q = query.Query<JobView>().Where(j => j.State == JobState.Running && j.WindowStart <= startedBefore);
            if (after is { } a) q = q.Where(j => j.WindowStart > a);
            var batch = await q.OrderBy(j => j.WindowStart).Take(500).ToListAsync(ct);
            if (batch.Count == 0) break;
            after = batch[^1].StartTime;
            foreach (var job in batch)
            {
                examined++;
                var maxTime = MaxTimeOf(job);
                if (job.StartTime!.Value + maxTime + settings.SweepGrace > now) continue;
                var decision = await writer.WriteAsync(job.Id,
                    new EventContext(requestedBy ?? "overtime-sweeper", Guid.NewGuid().ToString("N"),
                    requestedBy is null ? "sweeper" : "admin", reason), (current, _) =>
                {
                    if (current is not { State: JobState.Running, StartTime: { } start })
                        return new Decision.AlreadyKnown(job.Id, "no longer running");
                    var configured = settings.Partitions.ContainsKey(current.Partition)
                        || catalogue.PartitionOf(current.Cluster, current.Partition)?.MaxTime is not null
                        ? $"partition {current.Partition}'s MaxTime"
                            : "the default MaxTime for unconfigured partitions";
                    var why = $"no end received within {configured} of {maxTime} (+{settings.SweepGrace} grace); " +
                        "ended at start + MaxTime";
                    return new Decision.Append(job.Id, false,
                        [new JobTimedOut(job.Id, current.Cluster, current.SlurmId, current.User, current.Partition,
                            current.NumNodes, current.TotalGpus,
                            start, start + maxTime, maxTime, why, current.Group)], "timed out");
                }, ct);
                if (decision is Decision.Append)
                {
                    ended++;
                    logger.LogInformation("Overtime sweeper ended job {JobId} ({Cluster}/{SlurmId})", job.Id,
                        job.Cluster, job.SlurmId);
                }
            }
            if (batch.Count < 500) break;
        }
        return new SweepResult(examined, ended);
    }
}
