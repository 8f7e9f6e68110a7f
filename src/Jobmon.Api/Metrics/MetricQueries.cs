using System.Globalization;
using Jobmon.Influx;

namespace Jobmon.Metrics;

/// <summary>
/// The one query builder for a job's metric data: charts, per-device views, job-end statistics, live updates and both
/// CSV exports. Pure: every value is escaped by <see cref="InfluxQl"/>.
/// Every statement selects exactly one scope by the collector's <c>type</c> tag (see ARCHITECTURE.md, Metrics), and
/// every windowed statement aligns its windows to the window's start (GROUP BY time offset), so the first window begins
/// at the job's start and not at the epoch's interval boundary before it.
/// </summary>
public static class MetricQueries
{
    public static string AggregateFunction(Aggregation a) => a switch
    {
        Aggregation.Sum => "sum", Aggregation.Mean => "mean", Aggregation.Min => "min", Aggregation.Max => "max",
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <summary>The <c>type</c> tag value cc-metric-collector writes for a scope.</summary>
    public static string TypeTag(MetricScope scope) => scope switch
    {
        MetricScope.Node => "node", MetricScope.Socket => "socket", MetricScope.Core => "core", MetricScope.Hwthread
            => "hwthread",
        MetricScope.Accelerator => "accelerator", MetricScope.MemoryDomain => "memoryDomain",
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    /// <summary>The <c>type</c> value of the metric's device rows (the catalogue may name another, e.g. the original's
    /// <c>cpu</c>).</summary>
    public static string DeviceType(MetricDefinition m) => m.ScopeTag is { Length: > 0 } t ? t : TypeTag(m.Scope);

    /// <summary>
    /// The rows a per-node view reads for <paramref name="aggregation"/>: the collector's own <c>type=node</c> rows
    /// when
    /// the metric is a node metric or when they are exactly that aggregation of the device rows (cpustat's and likwid's
    /// node sums); otherwise the device rows, aggregated per node.
    /// </summary>
    public static string NodeViewType(MetricDefinition m, Aggregation aggregation) =>
        m.Scope == MetricScope.Node ? DeviceType(m) : m.NodeRows == aggregation ? "node" : DeviceType(m);

    private static string ScopeCondition(string type) =>
        // Series without a type tag (sources other than the collector) count as node rows.
        type == "node" ? $"({InfluxQl.TagEquals("type", "node")} OR {InfluxQl.TagEquals("type", "")})"
            : InfluxQl.TagEquals("type", type);

    private static string Where(MetricDefinition m, IReadOnlyCollection<string> hosts, string type,
        DateTimeOffset from, DateTimeOffset to)
    {
        var parts = new List<string>
        {
            HostCondition(hosts),
            ScopeCondition(type),
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

    /// <summary>The job's hosts: one name, a list of names, or (big jobs) numeric ranges, so a statement for 150,000
    /// nodes stays a few hundred bytes long.</summary>
    public static string HostCondition(IReadOnlyCollection<string> hosts) =>
        hosts.Count == 1 ? InfluxQl.TagEquals("hostname", hosts.First())
        : hosts.Count <= 32 ? $"{InfluxQl.Identifier("hostname")} =~ {InfluxQl.ExactMatchRegex(hosts)}"
        // Built once per node list (a request's statements share the job's array), not once per metric.
        : RangeConditions.GetValue(hosts,
            h => $"{InfluxQl.Identifier("hostname")} =~ {HostRegex.Compact((IReadOnlyCollection<string>)h)}");

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, string> RangeConditions =
        new();

    /// <summary><c>time(I)</c> or <c>time(I, offset)</c> so that windows start at <paramref name="anchor"/> +
    /// k·I.</summary>
    public static string TimeWindows(DateTimeOffset anchor, long intervalSeconds)
    {
        var interval = TimeSpan.FromSeconds(intervalSeconds);
        var offset = new TimeSpan(anchor.UtcTicks % interval.Ticks);
        return offset == TimeSpan.Zero ? $"time({InfluxQl.Duration(interval)})"
            : $"time({InfluxQl.Duration(interval)}, {InfluxQl.Duration(offset)})";
    }

    /// <summary>One value per series of <paramref name="type"/> rows and window; counters become per-second
    /// rates.</summary>
    private static string Windowed(MetricDefinition m, IReadOnlyCollection<string> hosts, string type,
        DateTimeOffset from, DateTimeOffset to, long intervalSeconds)
    {
        // Counters: per-second rate between consecutive raw samples first (a reset gives no negative rate, the sample
        // after it is dropped), then the window mean (exact for partial windows).
        var source = m.IsCounter
            ? "(SELECT non_negative_derivative(\"value\", 1s) AS \"value\" FROM " +
                $"{InfluxQl.Identifier(m.Measurement)} WHERE {Where(m, hosts, type, from, to)} GROUP BY *)"
            : InfluxQl.Identifier(m.Measurement);
        var where = m.IsCounter ? InfluxQl.TimeRange(from, to) : Where(m, hosts, type, from, to);
        return $"SELECT mean(\"value\") AS \"value\" FROM {source} WHERE {where} GROUP BY " +
            $"{TimeWindows(from, intervalSeconds)}, * fill(none)";
    }

    /// <summary>One series per device of the metric's scope on the given hosts (node metrics: the node rows).</summary>
    public static string PerDevice(MetricDefinition m, IReadOnlyCollection<string> hosts, DateTimeOffset from,
        DateTimeOffset to, long intervalSeconds) =>
        Windowed(m, hosts, DeviceType(m), from, to, intervalSeconds);

    /// <summary>One series per node: the rows of <see cref="NodeViewType"/> combined with <paramref
    /// name="aggregation"/> per window.</summary>
    public static string PerNode(MetricDefinition m, IReadOnlyCollection<string> hosts, DateTimeOffset from,
        DateTimeOffset to, long intervalSeconds, Aggregation aggregation) =>
        $"SELECT {AggregateFunction(aggregation)}(\"value\") AS \"value\" FROM " +
            $"({Windowed(m, hosts, NodeViewType(m, aggregation), from, to, intervalSeconds)}) " +
        $"WHERE {InfluxQl.TimeRange(from, to)} GROUP BY {TimeWindows(from, intervalSeconds)}, \"hostname\" fill(none)";

    /// <summary>Quantile bands across the nodes' series per window (the job page computes them from <see
    /// cref="PerNode"/> instead).</summary>
    public static string Quantiles(MetricDefinition m, IReadOnlyCollection<string> hosts, DateTimeOffset from,
        DateTimeOffset to, long intervalSeconds, Aggregation aggregation, IReadOnlyList<double> quantiles)
    {
        var columns = string.Join(", ", quantiles.Select(
            q => $"percentile(\"value\", {InfluxQl.Number(q * 100)}) AS {InfluxQl.Identifier(QuantileName(q))}"));
        return $"SELECT {columns} FROM ({PerNode(m, hosts, from, to, intervalSeconds, aggregation)}) WHERE " +
            $"{InfluxQl.TimeRange(from, to)} " +
               $"GROUP BY {TimeWindows(from, intervalSeconds)} fill(none)";
    }

    /// <summary>Huge jobs: min, median (nearest rank), max and the quantiles across the nodes' <see cref="PerNode"/>
    /// values per window, computed by InfluxDB, so no per-node series reaches Jobmon.</summary>
    public static string Band(MetricDefinition m, IReadOnlyCollection<string> hosts, DateTimeOffset from,
        DateTimeOffset to,
        long intervalSeconds, Aggregation aggregation, IReadOnlyList<double> quantiles)
    {
        var columns = quantiles.Select(
            q => $", percentile(\"value\", {InfluxQl.Number(q * 100)}) AS {InfluxQl.Identifier(QuantileName(q))}");
        return $"SELECT min(\"value\") AS \"min\", percentile(\"value\", 50) AS \"median\", max(\"value\") AS \"max\"" +
               $"{string.Concat(columns)} FROM ({PerNode(m, hosts, from, to, intervalSeconds, aggregation)}) " +
               $"WHERE {InfluxQl.TimeRange(from, to)} GROUP BY {TimeWindows(from, intervalSeconds)} fill(none)";
    }

    /// <summary>
    /// The samples as stored (no windows), of exactly the rows the matching view reads: <paramref name="type"/> from
    /// <see cref="NodeViewType"/> or <see cref="DeviceType"/>, with the metric's tag filters; at most <paramref
    /// name="limit"/> per series.
    /// </summary>
    public static string Raw(MetricDefinition m, IReadOnlyCollection<string> hosts, string type, DateTimeOffset from,
        DateTimeOffset to, int limit) =>
        $"SELECT \"value\" FROM {InfluxQl.Identifier(m.Measurement)} WHERE {Where(m, hosts, type, from, to)} GROUP " +
            $"BY * LIMIT {limit}";

    public static string QuantileName(double q) => "q" + (q * 100).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>The intervals a viewer may choose: multiples of the collector interval giving 10 to ~2000
    /// points.</summary>
    public static long[] IntervalChoices(TimeSpan duration, int baseSeconds)
    {
        var candidates = new long[] { baseSeconds, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400 }
            .Select(c => (c + baseSeconds - 1) / baseSeconds * baseSeconds).Distinct().Order();
        var seconds = Math.Max(1, duration.TotalSeconds);
        var choices = candidates.Where(c => seconds / c <= 2000 && seconds / c >= 10).ToArray();
        return choices.Length > 0 ? choices : [Math.Max(baseSeconds,
            SampleInterval.ChooseSeconds(duration, baseSeconds))];
    }
}
