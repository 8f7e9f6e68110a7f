using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;

namespace Jobmon.Usage;

/// <param name="Jobs">Finished jobs that ended in the range (running ones are in <see cref="Running"/>).</param>
/// <param name="FindingsShare">Jobs with findings / finished jobs (0 when none finished).</param>
public sealed record UsageTotals(long Jobs, long Running, Dictionary<string, long> ByState, double WallHours,
    double NodeHours,
    double GpuHours, double CoreHours, long JobsWithFindings, double FindingsShare, double WastedGpuHours);
