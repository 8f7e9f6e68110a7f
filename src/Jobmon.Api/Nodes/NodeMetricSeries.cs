using System.Globalization;
using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Marten;
using Marten.Linq.MatchesSql;

namespace Jobmon.Nodes;

/// <summary>One metric of one node over a window: the node's series (devices aggregated like the job page's node
/// line).</summary>
public sealed record NodeMetricSeries(string Name, string DisplayName, string Unit, MetricScope Scope,
    Aggregation Aggregation,
    double? Peak, long[] Times, double?[] Values);
