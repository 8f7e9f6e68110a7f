using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;

namespace Jobmon.Metrics;


/// <summary>Durable message: compute statistics, archive the series, classify. Retried with back-off while InfluxDB is down.</summary>
public sealed record FinalizeJobMetrics(Guid JobId, bool Force = false);

public sealed record ClassificationRule
{
    public string Tag { get; set; } = "";
    public string Metric { get; set; } = "";
    /// <summary>mean, max or robustMax over the job.</summary>
    public string Statistic { get; set; } = "mean";
    public double? Below { get; set; }
    public double? Above { get; set; }
    /// <summary>When set, Below/Above are fractions of the metric's per-node peak.</summary>
    public bool RelativeToPeak { get; set; }
    public long MinDurationSeconds { get; set; } = 600;
    public string Reason { get; set; } = "";

    public static readonly ClassificationRule[] Defaults =
    [
        new() { Tag = "idle-gpus", Metric = "nv_util", Statistic = "mean", Below = 5, Reason = "GPUs were nearly idle: mean utilisation {value} %" },
        new() { Tag = "low-cpu-load", Metric = "load_one", Statistic = "mean", Below = 0.1, RelativeToPeak = true, Reason = "mean CPU load {value} is below 10 % of the node's {peak} cores" },
        new() { Tag = "memory-bound", Metric = "mem_bw", Statistic = "mean", Above = 0.7, RelativeToPeak = true, Reason = "mean memory bandwidth {value} {unit} is above 70 % of the node peak {peak}" },
    ];
}

public static class Classifier
{
    public static JobFinding[] Classify(JobView job, Dictionary<string, MetricStatistics> stats, IReadOnlyDictionary<string, MetricDefinition> metrics, IEnumerable<ClassificationRule> rules)
    {
        var findings = new List<JobFinding>();
        foreach (var rule in rules)
        {
            if ((job.DurationSeconds ?? 0) < rule.MinDurationSeconds || !stats.TryGetValue(rule.Metric, out var s)) continue;
            var value = rule.Statistic switch { "max" => s.Max, "robustMax" => s.RobustMax, _ => s.Mean };
            if (value is not { } v) continue;
            double? peak = metrics.TryGetValue(rule.Metric, out var m) ? m.PeakPerNode : null;
            if (rule.RelativeToPeak && peak is null) continue;
            var scale = rule.RelativeToPeak ? peak!.Value : 1;
            var hit = (rule.Below is { } below && v < below * scale) || (rule.Above is { } above && v > above * scale);
            if (hit)
                findings.Add(new JobFinding(rule.Tag, rule.Reason.Replace("{value}", v.ToString("0.##")).Replace("{peak}", peak?.ToString("0.##") ?? "")
                    .Replace("{unit}", s.Unit)));
        }
        return findings.ToArray();
    }
}

public static class FinalizeJobMetricsHandler
{
    public static async Task Handle(FinalizeJobMetrics message, IDocumentStore store, JobMetricsService metrics, CatalogueStore catalogue,
        JobMetricsSettings settings, JobStreamWriter writer, TimeProvider clock, ILogger<FinalizeJobMetrics> logger, CancellationToken ct)
    {
        if (!metrics.IsConfigured) return; // no InfluxDB in this installation: nothing to compute, nothing to retry
        JobView? job;
        await using (var query = store.QuerySession()) job = await query.LoadAsync<JobView>(message.JobId, ct);
        if (job is not { StartTime: { } start, StopTime: { } stop }) return; // running, unknown or start unknown: nothing to compute
        if (!message.Force && job.StatisticsStopTime == stop) return;    // already done for this end
        var c = await catalogue.LoadAsync(ct);
        var (defs, _, _) = c.MetricsFor(job.Cluster, job.Partition, job.Nodes);
        if (defs.Count == 0 || job.Nodes.Length == 0) return;

        // Throws MetricsUnavailableException while InfluxDB is down: Wolverine retries with back-off (durable, never lost).
        // A job that ran long enough has a snapshot from the running rounds: extend it to the end (InfluxDB for the
        // last minutes and the device series only). Otherwise, or when an admin asks again, one full scan per metric.
        JobMetricArchive? snapshot;
        await using (var query = store.QuerySession()) snapshot = await query.LoadAsync<JobMetricArchive>(job.Id, ct);
        ArchiveContent? content = null;
        var influxTime = TimeSpan.Zero;
        if (!message.Force && snapshot is { Format: JobMetricArchive.CurrentFormat, To: { } upTo } && upTo < stop &&
            ArchiveContent.Decompress(snapshot.Compressed) is var before && before.From.ToUnixTimeMilliseconds() == start.ToUnixTimeMilliseconds())
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            if (await JobArchiving.ExtendAsync(metrics, defs, job.Nodes, before, stop, c.CollectorIntervalSeconds, ct) is { } extended)
                content = await JobArchiving.AddDevicesAsync(metrics, defs, job.Nodes, extended, settings.ArchiveDeviceScopes, ct);
            influxTime = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        }
        if (content is null)
        {
            var (full, fullTime) = await JobArchiving.QueryAsync(metrics, defs, job.Nodes, start, stop, c.CollectorIntervalSeconds, settings.ArchiveDeviceScopes, ct);
            (content, influxTime) = (full, influxTime + fullTime);
        }
        var stats = JobArchiving.Statistics(content, defs);
        // The job's own metric definitions: peaks of its (virtual) partition.
        var findings = Classifier.Classify(job, stats, defs.ToDictionary(d => d.Name), settings.ClassificationRules);

        await writer.WriteAsync(job.Id, new EventContext("jobmon", Guid.NewGuid().ToString("N"), "job-end"), (_, session) =>
        {
            session.Store(JobMetricArchive.From(job.Id, content, clock.GetUtcNow()));
            var events = new List<object> { new JobMetricStatisticsRecorded(job.Id, stop, content.Interval, stats, message.Force ? "admin" : "job-end") };
            if (findings.Length > 0 || job.Findings.Length > 0) events.Add(new JobClassified(job.Id, findings));
            return new Decision.Append(job.Id, false, events.ToArray(), "statistics recorded");
        }, ct);
        logger.LogDebug("Job {JobId}: statistics for {Count} metrics, {Findings} findings, InfluxDB {InfluxMs:F0} ms",
            job.Id, stats.Count, findings.Length, influxTime.TotalMilliseconds);
    }
}

/// <summary>Takes a job's series from InfluxDB once (one scan per metric) and derives everything else in process:
/// coarser views, quantiles and statistics.</summary>
public static class JobArchiving
{
    public static async Task<(ArchiveContent Content, TimeSpan InfluxTime)> QueryAsync(JobMetricsService metrics, IReadOnlyList<MetricDefinition> defs,
        string[] hosts, DateTimeOffset from, DateTimeOffset to, int collectorInterval, IReadOnlyCollection<MetricScope> deviceScopes, CancellationToken ct)
    {
        if (to < from.AddSeconds(1)) to = from.AddSeconds(1);
        var (interval, fine) = ArchivePlan.Levels(to - from, collectorInterval);
        var archived = new List<ArchivedMetric>();
        var influxTime = TimeSpan.Zero;
        // One request per metric, so a big job's work is split under the client's timeout.
        foreach (var (m, perNode, perDevice) in ArchivePlan.Statements(defs, hosts, from, to, interval, fine, deviceScopes))
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = await metrics.RunAsync(perDevice is null ? perNode : perNode + ";\n" + perDevice, ct);
            influxTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
            var nodes = result.Results.FirstOrDefault(r => r.StatementId == 0);
            if (nodes is null || nodes.Messages.Any(x => x.Level == "error")) continue;
            var nodeGrid = SeriesGrid.From(nodes.Series.Select(s => (s.Tags.GetValueOrDefault("hostname") ?? "?", Scaled(s, m))).ToList(), fine, from, to);
            var devices = new Dictionary<string, SeriesGrid>();
            if (perDevice is not null && result.Results.FirstOrDefault(r => r.StatementId == 1) is { } d && !d.Messages.Any(x => x.Level == "error"))
                foreach (var byNode in d.Series.GroupBy(s => s.Tags.GetValueOrDefault("hostname") ?? "?"))
                    devices[byNode.Key] = SeriesGrid.From(byNode.Select(s => (JobMetricsService.DeviceLabel(s.Tags), Scaled(s, m)))
                        .OrderBy(x => x.Item1, NaturalOrder.Instance).ToList(), interval, from, to);
            archived.Add(new ArchivedMetric(m.Name, m.DefaultAggregation, nodeGrid, devices));
        }
        return (new ArchiveContent(from, to, interval, fine, archived), influxTime);
    }

    /// <summary>
    /// A running job's archive brought up to <paramref name="now"/>: the earlier snapshot's windows plus InfluxDB's for
    /// the time since (from one fine window before the snapshot's end, which may have been incomplete). Null when the
    /// snapshot's grid no longer fits the job's length (a full scan is needed).
    /// </summary>
    public static async Task<ArchiveContent?> ExtendAsync(JobMetricsService metrics, IReadOnlyList<MetricDefinition> defs, string[] hosts,
        ArchiveContent previous, DateTimeOffset now, int collectorInterval, CancellationToken ct)
    {
        var from = previous.From;
        if (now < from.AddSeconds(1)) now = from.AddSeconds(1);
        var (interval, fine) = ArchivePlan.Levels(now - from, collectorInterval);
        var byName = previous.Metrics.ToDictionary(m => m.Name);
        if (fine % previous.FineInterval != 0 || defs.Any(d => !byName.TryGetValue(d.Name, out var p) || p.Aggregation != d.DefaultAggregation)) return null;
        // Windows are anchored at the job's start (MetricQueries.TimeWindows): the tail starts on that grid.
        var tailFrom = from.AddSeconds(Math.Max(0, (Math.Floor((previous.To - from).TotalSeconds / fine) - 1) * fine));
        var result = await metrics.RunAsync(string.Join(";\n", defs.Select(m => MetricQueries.PerNode(m, hosts, tailFrom, now, fine, m.DefaultAggregation))), ct);
        var extended = new List<ArchivedMetric>();
        for (var i = 0; i < defs.Count; i++)
        {
            var before = byName[defs[i].Name].Nodes.Resample(fine);
            var tailSeries = result.Results.FirstOrDefault(r => r.StatementId == i) is { } st && !st.Messages.Any(x => x.Level == "error")
                ? st.Series.Select(s => (s.Tags.GetValueOrDefault("hostname") ?? "?", Scaled(s, defs[i]))).ToList()
                : [];
            var tail = SeriesGrid.From(tailSeries, fine, tailFrom, now);
            var merged = SeriesGrid.Empty(fine, from, now, before.Labels.Union(tail.Labels).Order(StringComparer.Ordinal).ToArray());
            var cut = tail.StartMs;
            for (var row = 0; row < merged.Labels.Length; row++)
                for (var w = 0; w < merged.Count; w++)
                {
                    var t = merged.TimeMs(w);
                    var (grid, r) = t < cut ? (before, before.Row(merged.Labels[row])) : (tail, tail.Row(merged.Labels[row]));
                    if (r < 0) continue;
                    var k = (int)((t - grid.StartMs) / (fine * 1000));
                    if (k >= 0 && k < grid.Count) merged.Values[row * merged.Count + w] = grid[r, k];
                }
            extended.Add(new ArchivedMetric(defs[i].Name, defs[i].DefaultAggregation, merged, []));
        }
        return new ArchiveContent(from, now, interval, fine, extended);
    }

    /// <summary>The per-device series at the default interval for the metrics whose devices are archived (job end
    /// from a running snapshot, which holds node series only).</summary>
    public static async Task<ArchiveContent> AddDevicesAsync(JobMetricsService metrics, IReadOnlyList<MetricDefinition> defs, string[] hosts,
        ArchiveContent content, IReadOnlyCollection<MetricScope> deviceScopes, CancellationToken ct)
    {
        var withDevices = new List<ArchivedMetric>();
        foreach (var am in content.Metrics)
        {
            if (defs.FirstOrDefault(d => d.Name == am.Name) is not { } m || !ArchivePlan.ArchivesDevices(m, deviceScopes)) { withDevices.Add(am); continue; }
            var result = await metrics.RunAsync(MetricQueries.PerDevice(m, hosts, content.From, content.To, content.Interval), ct);
            var devices = new Dictionary<string, SeriesGrid>();
            if (result.Results.FirstOrDefault(r => r.StatementId == 0) is { } d && !d.Messages.Any(x => x.Level == "error"))
                foreach (var byNode in d.Series.GroupBy(s => s.Tags.GetValueOrDefault("hostname") ?? "?"))
                    devices[byNode.Key] = SeriesGrid.From(byNode.Select(s => (JobMetricsService.DeviceLabel(s.Tags), Scaled(s, m)))
                        .OrderBy(x => x.Item1, NaturalOrder.Instance).ToList(), content.Interval, content.From, content.To);
            withDevices.Add(am with { Devices = devices });
        }
        return content with { Metrics = withDevices };
    }

    /// <summary>The points in the catalogue's unit (e.g. the collector's kB as bytes), as the page shows them.</summary>
    private static IReadOnlyList<Influx.InfluxPoint> Scaled(Influx.InfluxSeries s, MetricDefinition m) =>
        s.GetPoints("value").Select(p => p with { Value = p.Value * m.Scale }).ToList();

    /// <summary>Per metric and node over the default view's windows (as the job page shows them).</summary>
    public static Dictionary<string, MetricStatistics> Statistics(ArchiveContent content, IReadOnlyList<MetricDefinition> defs)
    {
        var views = content.Metrics.Where(m => defs.Any(d => d.Name == m.Name)).Select(m =>
        {
            var d = defs.First(x => x.Name == m.Name);
            var grid = m.Nodes.Resample(content.Interval);
            return new MetricView(d.Name, d.DisplayName, d.Unit, d.Scope, d.Categories, m.Aggregation, d.Aggregations, d.PeakPerNode,
                Enumerable.Range(0, grid.Labels.Length).Select(r => grid.ToSeries(r)).ToList(), null);
        }).ToList();
        return MetricStatisticsCalculator.Statistics(new JobMetricsView(Guid.Empty, content.From, content.To, content.Interval, [], null, "", "archive", views, []));
    }
}
