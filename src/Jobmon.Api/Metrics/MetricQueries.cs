using System.Globalization;
using Jobmon.Influx;

namespace Jobmon.Metrics;

/// <summary>Builds the InfluxQL for a job's metric views. Pure: every value is escaped by <see cref="InfluxQl"/>.</summary>
public static class MetricQueries
{
    public static string AggregateFunction(Aggregation a) => a switch
    {
        Aggregation.Sum => "sum", Aggregation.Mean => "mean", Aggregation.Min => "min", Aggregation.Max => "max",
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    private static string Where(MetricDefinition m, IReadOnlyCollection<string> hosts, DateTimeOffset from, DateTimeOffset to)
    {
        var parts = new List<string>
        {
            hosts.Count == 1 ? InfluxQl.TagEquals("hostname", hosts.First()) : $"{InfluxQl.Identifier("hostname")} =~ {InfluxQl.ExactMatchRegex(hosts)}",
        };
        foreach (var f in m.Filters)
            parts.Add(f.Op switch
            {
                TagOp.Equals => $"{InfluxQl.Identifier(f.Key)} = {InfluxQl.StringLiteral(f.Value)}",
                TagOp.NotEquals => $"{InfluxQl.Identifier(f.Key)} != {InfluxQl.StringLiteral(f.Value)}",
                _ => $"{InfluxQl.Identifier(f.Key)} =~ {InfluxQl.RegexLiteral(f.Value)}",
            });
        parts.Add(InfluxQl.TimeRange(from, to));
        return string.Join(" AND ", parts);
    }

    /// <summary>One value per device (every tag combination) and window; counters become per-second rates.</summary>
    public static string PerDevice(MetricDefinition m, IReadOnlyCollection<string> hosts, DateTimeOffset from, DateTimeOffset to, long intervalSeconds)
    {
        // Counters: per-second rate between consecutive raw samples first, then the window mean (exact for partial windows).
        var source = m.IsCounter
            ? $"(SELECT non_negative_derivative(\"value\", 1s) AS \"value\" FROM {InfluxQl.Identifier(m.Measurement)} WHERE {Where(m, hosts, from, to)} GROUP BY *)"
            : InfluxQl.Identifier(m.Measurement);
        var where = m.IsCounter ? InfluxQl.TimeRange(from, to) : Where(m, hosts, from, to);
        return $"SELECT mean(\"value\") AS \"value\" FROM {source} WHERE {where} " +
               $"GROUP BY time({InfluxQl.Duration((int)intervalSeconds)}), * fill(none)";
    }

    /// <summary>One series per node: devices of a node combined with <paramref name="aggregation"/> per window (subquery).</summary>
    public static string PerNode(MetricDefinition m, IReadOnlyCollection<string> hosts, DateTimeOffset from, DateTimeOffset to, long intervalSeconds, Aggregation aggregation) =>
        $"SELECT {AggregateFunction(aggregation)}(\"value\") AS \"value\" FROM ({PerDevice(m, hosts, from, to, intervalSeconds)}) " +
        $"WHERE {InfluxQl.TimeRange(from, to)} GROUP BY time({InfluxQl.Duration((int)intervalSeconds)}), \"hostname\" fill(none)";

    /// <summary>Quantile bands across the nodes' series per window.</summary>
    public static string Quantiles(MetricDefinition m, IReadOnlyCollection<string> hosts, DateTimeOffset from, DateTimeOffset to, long intervalSeconds, Aggregation aggregation, IReadOnlyList<double> quantiles)
    {
        var columns = string.Join(", ", quantiles.Select(q => $"percentile(\"value\", {InfluxQl.Number(q * 100)}) AS {InfluxQl.Identifier(QuantileName(q))}"));
        return $"SELECT {columns} FROM ({PerNode(m, hosts, from, to, intervalSeconds, aggregation)}) WHERE {InfluxQl.TimeRange(from, to)} " +
               $"GROUP BY time({InfluxQl.Duration((int)intervalSeconds)}) fill(none)";
    }

    /// <summary>Per node over the whole job: mean, min, max and a robust max (95th percentile of the node's series).</summary>
    public static string Statistics(MetricDefinition m, IReadOnlyCollection<string> hosts, DateTimeOffset from, DateTimeOffset to, long intervalSeconds) =>
        $"SELECT mean(\"value\") AS \"mean\", min(\"value\") AS \"min\", max(\"value\") AS \"max\", percentile(\"value\", 95) AS \"p95\", count(\"value\") AS \"samples\" " +
        $"FROM ({PerNode(m, hosts, from, to, intervalSeconds, m.DefaultAggregation)}) WHERE {InfluxQl.TimeRange(from, to)} GROUP BY \"hostname\"";

    public static string QuantileName(double q) => "q" + (q * 100).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>The intervals a viewer may choose: multiples of the collector interval giving 10 to ~2000 points.</summary>
    public static long[] IntervalChoices(TimeSpan duration, int baseSeconds)
    {
        var candidates = new long[] { baseSeconds, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400 }
            .Select(c => (c + baseSeconds - 1) / baseSeconds * baseSeconds).Distinct().Order();
        var seconds = Math.Max(1, duration.TotalSeconds);
        var choices = candidates.Where(c => seconds / c <= 2000 && seconds / c >= 10).ToArray();
        return choices.Length > 0 ? choices : [Math.Max(baseSeconds, SampleInterval.ChooseSeconds(duration, baseSeconds))];
    }
}
