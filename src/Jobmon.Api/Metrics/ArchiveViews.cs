using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

/// <summary>Answers the job page from an archive, or says it cannot (null) so InfluxDB is asked.</summary>
public static class ArchiveViews
{
    public static JobMetricsView? TryServe(ArchiveContent a, JobView job, JobMetricsRequest r, MetricCatalogue c)
    {
        var interval = r.Interval ?? a.Interval;
        if (interval % a.FineInterval != 0) return null;   // finer than archived or off its grid
        var (available, source, _) = c.MetricsFor(job.Cluster, job.Partition, job.Nodes);
        var wanted = r.Metrics is { Length: > 0 } names ? available.Where(m => names.Contains(m.Name)).ToList()
            : available.ToList();
        var archived = a.Metrics.ToDictionary(m => m.Name);
        // Nothing was archived (no data at job end): InfluxDB may have it by now (late or back-filled data).
        if (a.Metrics.All(m => m.Nodes.Labels.Length == 0)) return null;
        var views = new List<MetricView>();
        foreach (var m in wanted)
        {
            if (!archived.TryGetValue(m.Name, out var am)) return null;          // a metric added since job end
            var agg = r.Aggregation is { } x && m.Aggregations.Contains(x) ? x : m.DefaultAggregation;
            if (agg != am.Aggregation) return null;
            var series = new List<SeriesData>();
            QuantileBands? bands = null;
            if (r.Node is { } node && m.Scope != MetricScope.Node)
            {
                if (!am.Devices.TryGetValue(node, out var devices) || interval % devices.Interval != 0) return null;
                var grid = devices.Resample(interval);
                series.AddRange(Enumerable.Range(0, grid.Labels.Length).Select(i => grid.ToSeries(i))
                    .OrderBy(s => s.Label, NaturalOrder.Instance));
            }
            else
            {
                var grid = am.Nodes.Resample(interval);
                var rows = Enumerable.Range(0, grid.Labels.Length)
                    .Where(i => r.Node is null || grid.Labels[i] == r.Node);
                series.AddRange(rows.Select(i => grid.ToSeries(i)).Where(s => s.Times.Length > 0)
                    .OrderBy(s => s.Label, NaturalOrder.Instance));
                if (r.Quantiles && r.Node is null && job.Nodes.Length > 1)
                    bands = MetricStatisticsCalculator.Bands(series, c.Quantiles);
            }
            var peak = r.Node is not null && m.Scope != MetricScope.Node ? m.PeakPerDevice : m.PeakPerNode;
            views.Add(new MetricView(m.Name, m.DisplayName, m.Unit, m.Scope, m.Categories, agg, m.Aggregations, peak,
                series, bands));
        }
        var intervals = MetricQueries.IntervalChoices(a.To - a.From, c.CollectorIntervalSeconds);
        return new JobMetricsView(job.Id, a.From, a.To, interval, intervals, r.Node, source, "archive", views, []);
    }
}
