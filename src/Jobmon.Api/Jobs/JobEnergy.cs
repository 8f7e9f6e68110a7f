namespace Jobmon.Jobs;

/// <summary>
/// A job's energy from its power metrics. Which metrics count: every metric of the job's statistics whose unit is watts
/// (the default catalogue's <c>cpu_power</c>, socket scope, and <c>nv_power_usage</c>, accelerator scope; both sum
/// their devices into the node value, so a node's mean is that node's mean power). Energy = Σ metrics Σ nodes
/// (node's mean power × the time the statistics cover). Nodes without samples add nothing.
/// </summary>
/// <param name="Kwh">Total over the counted metrics.</param>
/// <param name="ByMetric">kWh per counted metric.</param>
public sealed record JobEnergy(double Kwh, Dictionary<string, double> ByMetric)
{
    public static bool IsPower(string unit) => unit is "W" or "Watt" or "watts" or "Watts";

    /// <summary>Null when no power metric has data (the job page then says so instead of showing 0 kWh).</summary>
    public static JobEnergy? From(IReadOnlyDictionary<string, MetricStatistics> stats, TimeSpan covered)
    {
        if (covered <= TimeSpan.Zero) return null;
        var byMetric = new Dictionary<string, double>();
        foreach (var (name, s) in stats)
        {
            if (!IsPower(s.Unit)) continue;
            var watts = s.Nodes.Values.Sum(n => n.Mean ?? 0);
            if (s.Nodes.Count == 0) continue;
            byMetric[name] = watts * covered.TotalSeconds / 3_600_000; // W·s = J; 1 kWh = 3.6 MJ
        }
        return byMetric.Count == 0 ? null : new JobEnergy(byMetric.Values.Sum(), byMetric);
    }
}
