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

public sealed record NodeMetricsView(string Cluster, string Host, DateTimeOffset From, DateTimeOffset To,
    long Resolution,
    IReadOnlyList<NodeMetricSeries> Metrics, IReadOnlyList<MetricError> Errors);
