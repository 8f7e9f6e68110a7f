using System.Diagnostics;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

public sealed record MetricView(string Name, string DisplayName, string Unit, MetricScope Scope, string[] Categories,
    Aggregation Aggregation,
    Aggregation[] Aggregations, double? Peak, IReadOnlyList<SeriesData> Series, QuantileBands? Quantiles)
{
    /// <summary>Instead of one line per node (big running jobs): min/median/max across nodes; Series then holds the
    /// outliers.</summary>
    public NodeBand? Band { get; init; }
}
