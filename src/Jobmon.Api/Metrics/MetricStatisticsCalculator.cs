using Jobmon.Jobs;
namespace Jobmon.Metrics;

/// <summary>
/// Statistics and quantile bands from the per-node series that <see cref="MetricQueries.PerNode"/> returns, in C#: one
/// query serves the chart, the bands and the job-end statistics, and no nested InfluxQL aggregate is needed (InfluxDB
/// 1.6 returns no rows for a flat aggregate over a windowed subquery whose first window starts before the range).
/// </summary>
public static class MetricStatisticsCalculator
{
    /// <summary>Nearest-rank percentile, as InfluxQL's percentile(): the value at rank round(n·q), clamped to the
    /// values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        var i = (int)Math.Floor(sorted.Count * q + 0.5) - 1;
        return sorted[Math.Clamp(i, 0, sorted.Count - 1)];
    }

    /// <summary>Per window, the quantiles across the nodes that have a value in it.</summary>
    public static QuantileBands? Bands(IReadOnlyList<SeriesData> nodes, IReadOnlyList<double> quantiles)
    {
        var byTime = new SortedDictionary<long, List<double>>();
        foreach (var s in nodes)
            for (var i = 0; i < s.Times.Length; i++)
                if (s.Values[i] is { } v)
                {
                    if (!byTime.TryGetValue(s.Times[i], out var list)) byTime[s.Times[i]] = list = [];
                    list.Add(v);
                }
        if (byTime.Count == 0) return null;
        var sorted = byTime.Values.Select(l => { l.Sort(); return l; }).ToList();
        return new QuantileBands(byTime.Keys.ToArray(), quantiles.ToDictionary(MetricQueries.QuantileName,
            q => sorted.Select(l => (double?)Percentile(l, q)).ToArray()));
    }

    /// <summary>
    /// Per node over the job: mean of its windows, min, max, robust max (95th percentile of its windows) and the number
    /// of windows; over the job: mean of the node means, min, max, and the highest robust max. Nodes without data are
    /// left out; a metric without any data gets no entry.
    /// </summary>
    public static Dictionary<string, MetricStatistics> Statistics(JobMetricsView view)
    {
        var stats = new Dictionary<string, MetricStatistics>();
        foreach (var m in view.Metrics)
        {
            var nodes = new Dictionary<string, NodeStatistics>();
            foreach (var s in m.Series)
            {
                var values = s.Values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
                if (values.Count == 0) continue;
                values.Sort();
                nodes[s.Label] = new NodeStatistics(values.Average(), values[0], values[^1], Percentile(values, 0.95),
                    values.Count);
            }
            if (nodes.Count == 0) continue;
            var n = nodes.Values.ToList();
            stats[m.Name] = new MetricStatistics(m.Unit, n.Average(x => x.Mean!.Value), n.Min(x => x.Min!.Value),
                n.Max(x => x.Max!.Value),
                n.Max(x => x.RobustMax!.Value), nodes, m.Peak);
        }
        return stats;
    }
}
