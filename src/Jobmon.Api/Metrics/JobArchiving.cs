using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;

namespace Jobmon.Metrics;


/// <summary>Takes a job's series from InfluxDB once (one scan per metric) and derives everything else in process:
/// coarser views, quantiles and statistics.</summary>
public static class JobArchiving
{
    public static async Task<(ArchiveContent Content, TimeSpan InfluxTime)> QueryAsync(JobMetricsService metrics,
        IReadOnlyList<MetricDefinition> defs,
        string[] hosts, DateTimeOffset from, DateTimeOffset to, int collectorInterval,
            IReadOnlyCollection<MetricScope> deviceScopes, CancellationToken ct)
    {
        if (to < from.AddSeconds(1)) to = from.AddSeconds(1);
        var (interval, fine) = ArchivePlan.Levels(to - from, collectorInterval);
        var archived = new List<ArchivedMetric>();
        var influxTime = TimeSpan.Zero;
        // One request per metric, so a big job's work is split under the client's timeout.
        foreach (var (m, perNode, perDevice) in ArchivePlan.Statements(defs, hosts, from, to, interval, fine,
            deviceScopes))
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = await metrics.RunAsync(perDevice is null ? perNode : perNode + ";\n" + perDevice, ct);
            influxTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
            var nodes = result.Results.FirstOrDefault(r => r.StatementId == 0);
            if (nodes is null || nodes.Messages.Any(x => x.Level == "error")) continue;
            var nodeGrid = SeriesGrid.From(nodes.Series.Select(
                s => (s.Tags.GetValueOrDefault("hostname") ?? "?", Scaled(s, m))).ToList(), fine, from, to);
            var devices = new Dictionary<string, SeriesGrid>();
            if (perDevice is not null && result.Results.FirstOrDefault(r => r.StatementId == 1) is { } d
                && !d.Messages.Any(x => x.Level == "error"))
                foreach (var byNode in d.Series.GroupBy(s => s.Tags.GetValueOrDefault("hostname") ?? "?"))
                    devices[byNode.Key] = SeriesGrid.From(
                        byNode.Select(s => (JobMetricsService.DeviceLabel(s.Tags), Scaled(s, m)))
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
    public static async Task<ArchiveContent?> ExtendAsync(JobMetricsService metrics,
        IReadOnlyList<MetricDefinition> defs, string[] hosts,
        ArchiveContent previous, DateTimeOffset now, int collectorInterval, CancellationToken ct)
    {
        var from = previous.From;
        if (now < from.AddSeconds(1)) now = from.AddSeconds(1);
        var (interval, fine) = ArchivePlan.Levels(now - from, collectorInterval);
        var byName = previous.Metrics.ToDictionary(m => m.Name);
        if (fine % previous.FineInterval != 0 || defs.Any(d => !byName.TryGetValue(d.Name, out var p)
            || p.Aggregation != d.DefaultAggregation)) return null;
        // Windows are anchored at the job's start (MetricQueries.TimeWindows): the tail starts on that grid.
        var tailFrom = from.AddSeconds(Math.Max(0, (Math.Floor((previous.To - from).TotalSeconds / fine) - 1) * fine));
        var result = await metrics.RunAsync(string.Join(";\n",
            defs.Select(m => MetricQueries.PerNode(m, hosts, tailFrom, now, fine, m.DefaultAggregation))), ct);
        var extended = new List<ArchivedMetric>();
        for (var i = 0; i < defs.Count; i++)
        {
            var before = byName[defs[i].Name].Nodes.Resample(fine);
            var tailSeries = result.Results.FirstOrDefault(r => r.StatementId == i) is { } st
                && !st.Messages.Any(x => x.Level == "error")
                ? st.Series.Select(s => (s.Tags.GetValueOrDefault("hostname") ?? "?", Scaled(s, defs[i]))).ToList()
                : [];
            var tail = SeriesGrid.From(tailSeries, fine, tailFrom, now);
            var merged = SeriesGrid.Empty(fine, from, now, before.Labels.Union(tail.Labels)
                .Order(StringComparer.Ordinal).ToArray());
            var cut = tail.StartMs;
            for (var row = 0; row < merged.Labels.Length; row++)
                for (var w = 0; w < merged.Count; w++)
                {
                    var t = merged.TimeMs(w);
                    var (grid, r) = t < cut ? (before, before.Row(merged.Labels[row]))
                        : (tail, tail.Row(merged.Labels[row]));
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
    public static async Task<ArchiveContent> AddDevicesAsync(JobMetricsService metrics,
        IReadOnlyList<MetricDefinition> defs, string[] hosts,
        ArchiveContent content, IReadOnlyCollection<MetricScope> deviceScopes, CancellationToken ct)
    {
        var withDevices = new List<ArchivedMetric>();
        foreach (var am in content.Metrics)
        {
            if (defs.FirstOrDefault(d => d.Name == am.Name) is not { } m
                || !ArchivePlan.ArchivesDevices(m, deviceScopes)) { withDevices.Add(am); continue; }
            var result = await metrics.RunAsync(MetricQueries.PerDevice(m, hosts, content.From, content.To,
                content.Interval), ct);
            var devices = new Dictionary<string, SeriesGrid>();
            if (result.Results.FirstOrDefault(r => r.StatementId == 0) is { } d
                && !d.Messages.Any(x => x.Level == "error"))
                foreach (var byNode in d.Series.GroupBy(s => s.Tags.GetValueOrDefault("hostname") ?? "?"))
                    devices[byNode.Key] = SeriesGrid.From(
                        byNode.Select(s => (JobMetricsService.DeviceLabel(s.Tags), Scaled(s, m)))
                        .OrderBy(x => x.Item1, NaturalOrder.Instance).ToList(), content.Interval, content.From,
                            content.To);
            withDevices.Add(am with { Devices = devices });
        }
        return content with { Metrics = withDevices };
    }

    /// <summary>The points in the catalogue's unit (e.g. the collector's kB as bytes), as the page shows
    /// them.</summary>
    private static IReadOnlyList<Influx.InfluxPoint> Scaled(Influx.InfluxSeries s, MetricDefinition m) =>
        s.GetPoints("value").Select(p => p with { Value = p.Value * m.Scale }).ToList();

    /// <summary>Per metric and node over the default view's windows (as the job page shows them).</summary>
    public static Dictionary<string, MetricStatistics> Statistics(ArchiveContent content,
        IReadOnlyList<MetricDefinition> defs)
    {
        var views = content.Metrics.Where(m => defs.Any(d => d.Name == m.Name)).Select(m =>
        {
            var d = defs.First(x => x.Name == m.Name);
            var grid = m.Nodes.Resample(content.Interval);
            return new MetricView(d.Name, d.DisplayName, d.Unit, d.Scope, d.Categories, m.Aggregation, d.Aggregations,
                d.PeakPerNode,
                Enumerable.Range(0, grid.Labels.Length).Select(r => grid.ToSeries(r)).ToList(), null);
        }).ToList();
        return MetricStatisticsCalculator.Statistics(new JobMetricsView(Guid.Empty, content.From, content.To,
            content.Interval, [], null, "", "archive", views, []));
    }
}
