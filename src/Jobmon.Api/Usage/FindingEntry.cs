using JasperFx.Events;
using Jobmon.Jobs;
using Jobmon.Metrics;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Usage;

/// <summary>A finished job with classification findings, in a bucket its run overlaps.</summary>
/// <param name="Counted">The job ended in this bucket (so it is counted here, once).</param>
/// <param name="WastedGpuHours">Its GPU-hours in this bucket when the job-end classification found idle GPUs, else
/// 0.</param>
public sealed record FindingEntry(string State, bool Counted, double WastedGpuHours);
