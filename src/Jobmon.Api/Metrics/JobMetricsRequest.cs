using System.Diagnostics;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

/// <param name="Since">Live updates: only windows from this time on (aligned to the job's windows); null = the whole
/// job.</param>
/// <param name="PerNode">Big running jobs: every node's line instead of the band (<see cref="NodeBands"/>).</param>
public sealed record JobMetricsRequest(string[]? Metrics, string? Node, Aggregation? Aggregation, long? Interval,
    bool Quantiles = true, DateTimeOffset? Since = null, bool PerNode = false);
