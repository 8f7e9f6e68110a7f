using Jobmon.Infrastructure;

namespace Jobmon.Metrics;

/// <summary>Jobmon:JobMetrics:* — views of big jobs, the job-end archive, running jobs' statistics and findings.</summary>
public sealed class JobMetricsSettings
{
    /// <summary>Running jobs with more nodes than this get a min/median/max band with the outlier nodes named instead of
    /// one line per node (unless the viewer asks for ?perNode=true).</summary>
    public int BandAboveNodes { get; set; } = 8;
    /// <summary>Jobs (running or not) with more nodes than this are served as bands computed by InfluxDB, never as
    /// per-node series (a 150,000-node job's lines would be gigabytes); their raw CSV needs ?node=.</summary>
    public int HugeAboveNodes { get; set; } = 2000;
    /// <summary>Scopes whose per-device series the job-end archive keeps (few devices per node; hwthreads are left to InfluxDB).</summary>
    public MetricScope[] ArchiveDeviceScopes { get; set; } = [MetricScope.Socket, MetricScope.Accelerator, MetricScope.MemoryDomain];
    /// <summary>How often running jobs' statistics (footprint) and findings are refreshed; zero switches it off.</summary>
    public TimeSpan RunningStatisticsInterval { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Running jobs younger than this get no statistics yet (too little data to judge).</summary>
    public TimeSpan RunningStatisticsMinAge { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>E-mail a finding raised while a job runs to the admins (Jobmon:Email:Receiver). Off by default.</summary>
    public bool MailFindingsToAdmins { get; set; }
    /// <summary>E-mail it to the job's owner at this address, "{user}" standing for the user name (e.g.
    /// "{user}@hpc.example.org"). Empty (the default): owners get no mail.</summary>
    public string? OwnerMailAddress { get; set; }

    public void Validate()
    {
        if (HugeAboveNodes < 1) throw new InvalidOperationException("Jobmon:JobMetrics:HugeAboveNodes must be at least 1.");
        if (BandAboveNodes < 1) throw new InvalidOperationException("Jobmon:JobMetrics:BandAboveNodes must be at least 1.");
        if (RunningStatisticsInterval < TimeSpan.Zero) throw new InvalidOperationException("Jobmon:JobMetrics:RunningStatisticsInterval must not be negative.");
        if (OwnerMailAddress is { Length: > 0 } a && !a.Contains("{user}")) throw new InvalidOperationException("Jobmon:JobMetrics:OwnerMailAddress must contain {user}.");
    }
}

public sealed record NodeOutlier(string Node, string Side, double Mean, double Median);

/// <summary>Min, median (InfluxDB's nearest-rank 50th percentile) and max across the nodes per window.</summary>
public sealed record NodeBand(int Nodes, long[] Times, double?[] Min, double?[] Median, double?[] Max, NodeOutlier[] Outliers);

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
        var median = values.Select(v => v.Count > 0 ? MetricStatisticsCalculator.Percentile(v, 0.5) : (double?)null).ToArray();

        var outliers = new List<(SeriesData Series, NodeOutlier Outlier)>();
        if (means.Count > 2)
        {
            var centre = Median(means.Select(x => x.Mean));
            var mad = Median(means.Select(x => Math.Abs(x.Mean - centre)));
            var threshold = Math.Max(Math.Max(3 * 1.4826 * mad, 0.1 * Math.Abs(centre)), 1e-9);
            outliers = means.Where(x => Math.Abs(x.Mean - centre) > threshold).OrderByDescending(x => Math.Abs(x.Mean - centre)).Take(MaxOutliers)
                .Select(x => (x.Series, new NodeOutlier(x.Series.Label, x.Mean > centre ? "high" : "low", x.Mean, centre))).ToList();
        }
        QuantileBands? bands = null;
        if (withQuantiles)
        {
            var kept = Enumerable.Range(0, times.Length).Where(i => values[i].Count > 0).ToArray();
            bands = new QuantileBands(kept.Select(i => times[i]).ToArray(), quantiles.ToDictionary(MetricQueries.QuantileName,
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
    public static bool Applies(Jobs.JobView job, JobMetricsRequest r, JobmonSettings settings) =>
        job.State == Jobs.JobState.Running && r.Node is null && !r.PerNode && job.Nodes.Length > settings.JobMetrics.BandAboveNodes
        && !Huge(job, r, settings);

    /// <summary>Whether this view is a huge job's band computed by InfluxDB (<see cref="MetricQueries.Band"/>).</summary>
    public static bool Huge(Jobs.JobView job, JobMetricsRequest r, JobmonSettings settings) =>
        r.Node is null && job.Nodes.Length > settings.JobMetrics.HugeAboveNodes;
}
