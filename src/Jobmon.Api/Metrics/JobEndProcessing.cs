using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;

namespace Jobmon.Metrics;



/// <summary>Durable message: compute statistics, archive the series, classify. Retried with back-off while InfluxDB is
/// down.</summary>
public sealed record FinalizeJobMetrics(Guid JobId, bool Force = false);

public static class FinalizeJobMetricsHandler
{
    public static async Task Handle(FinalizeJobMetrics message, IDocumentStore store, JobMetricsService metrics,
        CatalogueStore catalogue,
        JobMetricsSettings settings, JobStreamWriter writer, TimeProvider clock, ILogger<FinalizeJobMetrics> logger,
            CancellationToken ct)
    {
        if (!metrics.IsConfigured) return; // no InfluxDB in this installation: nothing to compute, nothing to retry
        JobView? job;
        await using (var query = store.QuerySession()) job = await query.LoadAsync<JobView>(message.JobId, ct);
        // running, unknown or start unknown: nothing to compute
        if (job is not { StartTime: { } start, StopTime: { } stop }) return;
        if (!message.Force && job.StatisticsStopTime == stop) return;    // already done for this end
        var c = await catalogue.LoadAsync(ct);
        var (defs, _, _) = c.MetricsFor(job.Cluster, job.Partition, job.Nodes);
        if (defs.Count == 0 || job.Nodes.Length == 0) return;

        // Throws MetricsUnavailableException while InfluxDB is down: Wolverine retries with back-off (durable, never
        // lost).
        // A job that ran long enough has a snapshot from the running rounds: extend it to the end (InfluxDB for the
        // last minutes and the device series only). Otherwise, or when an admin asks again, one full scan per metric.
        JobMetricArchive? snapshot;
        await using (var query = store.QuerySession()) snapshot = await query.LoadAsync<JobMetricArchive>(job.Id, ct);
        ArchiveContent? content = null;
        var influxTime = TimeSpan.Zero;
        if (!message.Force && snapshot is { Format: JobMetricArchive.CurrentFormat, To: { } upTo } && upTo < stop &&
            ArchiveContent.Decompress(snapshot.Compressed) is var before
                && before.From.ToUnixTimeMilliseconds() == start.ToUnixTimeMilliseconds())
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            if (await JobArchiving.ExtendAsync(metrics, defs, job.Nodes, before, stop, c.CollectorIntervalSeconds,
                ct) is { } extended)
                content = await JobArchiving.AddDevicesAsync(metrics, defs, job.Nodes, extended,
                    settings.ArchiveDeviceScopes, ct);
            influxTime = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        }
        if (content is null)
        {
            var (full, fullTime) = await JobArchiving.QueryAsync(metrics, defs, job.Nodes, start, stop,
                c.CollectorIntervalSeconds, settings.ArchiveDeviceScopes, ct);
            (content, influxTime) = (full, influxTime + fullTime);
        }
        var stats = JobArchiving.Statistics(content, defs);
        // The job's own metric definitions: peaks of its (virtual) partition.
        var findings = Classifier.Classify(job, stats, defs.ToDictionary(d => d.Name), settings.ClassificationRules);

        await writer.WriteAsync(job.Id, new EventContext("jobmon", Guid.NewGuid().ToString("N"), "job-end"),
            (_, session) =>
        {
            session.Store(JobMetricArchive.From(job.Id, content, clock.GetUtcNow()));
            var events = new List<object> { new JobMetricStatisticsRecorded(job.Id, stop, content.Interval, stats,
                message.Force ? "admin" : "job-end") };
            if (findings.Length > 0 || job.Findings.Length > 0) events.Add(new JobClassified(job.Id, findings));
            return new Decision.Append(job.Id, false, events.ToArray(), "statistics recorded");
        }, ct);
        logger.LogDebug("Job {JobId}: statistics for {Count} metrics, {Findings} findings, InfluxDB {InfluxMs:F0} ms",
            job.Id, stats.Count, findings.Length, influxTime.TotalMilliseconds);
    }
}
