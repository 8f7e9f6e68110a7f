using Jobmon.Infrastructure;

namespace Jobmon.Metrics;

/// <summary>Min, median (InfluxDB's nearest-rank 50th percentile) and max across the nodes per window.</summary>
public sealed record NodeBand(int Nodes, long[] Times, double?[] Min, double?[] Median, double?[] Max,
    NodeOutlier[] Outliers);
