using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Metrics;

/// <param name="Unit">The unit of the values Jobmon serves (after <paramref name="Scale"/>), e.g. <c>B</c>; the UI adds
/// prefixes.</param>
/// <param name="Scope">The scope of the metric's device rows (the <c>type</c> tag); <c>node</c> for node
/// metrics.</param>
/// <param name="NodeRows">Set when the collector also writes <c>type=node</c> rows that are this aggregation of the
/// device
/// rows (cpustat and likwid: sum). Per-node views with that aggregation read those rows; other aggregations combine the
/// device rows.</param>
/// <param name="Scale">Factor from the collector's unit (<paramref name="SourceUnit"/>) to <paramref name="Unit"/>: kB
/// → B is 1024.</param>
/// <param name="SourceUnit">The unit the collector writes (documentation for admins, e.g. <c>kB</c>).</param>
/// <param name="ScopeTag">The <c>type</c> tag value of the device rows when it is not the scope's usual name (the
/// original's <c>cpu</c>).</param>
public sealed record MetricDefinition(
    string Name,
    string DisplayName,
    string Measurement,
    string Unit,
    MetricScope Scope,
    TagFilter[] Filters,
    bool IsCounter,
    Aggregation DefaultAggregation,
    Aggregation[] Aggregations,
    double? PeakPerNode,
    double? PeakPerDevice,
    string[] Categories,
    Aggregation? NodeRows = null,
    double Scale = 1,
    string? SourceUnit = null,
    string? ScopeTag = null)
{
    /// <summary>Structural equality (records compare arrays by reference).</summary>
    public bool SameAs(MetricDefinition? other) => other is not null &&
        System.Text.Json.JsonSerializer.Serialize(this) == System.Text.Json.JsonSerializer.Serialize(other);
}
