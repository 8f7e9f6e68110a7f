using System.Diagnostics;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

public sealed record JobMetricsView(Guid JobId, DateTimeOffset From, DateTimeOffset To, long Interval,
    long[] Intervals, string? Node,
    string MetricSource, string Source, IReadOnlyList<MetricView> Metrics, IReadOnlyList<MetricError> Errors);
