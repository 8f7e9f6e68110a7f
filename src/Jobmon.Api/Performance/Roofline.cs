using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Marten;

namespace Jobmon.Performance;

/// <param name="Available">False when the job lacks what a roofline needs; <see cref="Reason"/> says what.</param>
/// <param name="PeakFlops">The roof: per-node peak FLOP/s of the job's partition (catalogue peaks).</param>
/// <param name="PeakBandwidth">The slope: per-node peak memory bandwidth, B/s.</param>
public sealed record Roofline(bool Available, string? Reason, string? FlopsMetric, string? BandwidthMetric,
    double? PeakFlops, double? PeakBandwidth,
    IReadOnlyList<RooflinePoint> Points);
