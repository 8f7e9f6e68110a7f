using Jobmon.Infrastructure;

namespace Jobmon.Metrics;


public static class NodeBands
{
    public const int MaxOutliers = 5;

    /// <summary>Replaces the per-node lines by a band; the outlier nodes keep their lines (named, at most
    /// <see cref="MaxOutliers"/>). A node is an outlier when its mean over the view lies further from the median of all
    /// nodes' means than max(3 scaled MADs, 10 % of that median).</summary>
    public static MetricView Condense(MetricView m, IReadOnlyList<double> quantiles, bool withQuantiles)
    {
        if (m.Series.Count <= 1) return m;
        var times = m.Series.SelectMany(s => s.Times).Distinct().Order().ToArray();
        var column = times.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        var values = times.Select(_ => new List<double>()).ToArray();
        var means = new List<(SeriesData Series, double Mean)>();
        foreach (var s in m.Series)
        {
            double sum = 0; var n = 0;
            for (var i = 0; i < s.Times.Length; i++)
                if (s.Values[i] is { } v) { values[column[s.Times[i]]].Add(v); sum += v; n++; }
            if (n > 0) means.Add((s, sum / n));
        }
        foreach (var v in values) v.Sort();
        var min = values.Select(v => v.Count > 0 ? v[0] : (double?)null).ToArray();
        var max = values.Select(v => v.Count > 0 ? v[^1] : (double?)null).ToArray();
        var median = values.Select(v => v.Count > 0 ? MetricStatisticsCalculator.Percentile(v, 0.5) : (double?)null)
            .ToArray();

        var outliers = new List<(SeriesData Series, NodeOutlier Outlier)>();
        if (means.Count > 2)
        {
            var centre = Median(means.Select(x => x.Mean));
            var mad = Median(means.Select(x => Math.Abs(x.Mean - centre)));
            var threshold = Math.Max(Math.Max(3 * 1.4826 * mad, 0.1 * Math.Abs(centre)), 1e-9);
            outliers = means.Where(x => Math.Abs(x.Mean - centre) > threshold)
                .OrderByDescending(x => Math.Abs(x.Mean - centre)).Take(MaxOutliers)
                .Select(x => (x.Series, new NodeOutlier(x.Series.Label, x.Mean > centre ? "high" : "low", x.Mean,
                    centre))).ToList();
        }
        QuantileBands? bands = null;
        if (withQuantiles)
        {
            var kept = Enumerable.Range(0, times.Length).Where(i => values[i].Count > 0).ToArray();
            bands = new QuantileBands(kept.Select(i => times[i]).ToArray(),
                quantiles.ToDictionary(MetricQueries.QuantileName,
                q => kept.Select(i => (double?)MetricStatisticsCalculator.Percentile(values[i], q)).ToArray()));
        }
        return m with
        {
            Series = outliers.Select(o => o.Series).OrderBy(s => s.Label, NaturalOrder.Instance).ToList(),
            Quantiles = bands,
            Band = new NodeBand(m.Series.Count, times, min, median, max, outliers.Select(o => o.Outlier).ToArray()),
        };
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    /// <summary>Whether this view of a job shows a band instead of per-node lines.</summary>
    public static bool Applies(Jobs.JobView job, JobMetricsRequest r, JobMetricsSettings settings) =>
        job.State == Jobs.JobState.Running && r.Node is null && !r.PerNode && job.Nodes.Length > settings.BandAboveNodes
        && !Huge(job, r, settings);

    /// <summary>Whether this view is a huge job's band computed by InfluxDB (<see
    /// cref="MetricQueries.Band"/>).</summary>
    public static bool Huge(Jobs.JobView job, JobMetricsRequest r, JobMetricsSettings settings) =>
        r.Node is null && job.Nodes.Length > settings.HugeAboveNodes;
}
