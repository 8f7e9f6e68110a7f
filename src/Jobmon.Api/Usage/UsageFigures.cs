using JasperFx.Events;
using Jobmon.Jobs;
using Jobmon.Metrics;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Usage;

/// <summary>Hours of finished jobs in one bucket, for one end state.</summary>
public sealed class UsageFigures
{
    /// <summary>Jobs that ended in this bucket (a job is counted once, where it ended; its hours are split).</summary>
    public long Jobs { get; set; }
    public double WallHours { get; set; }
    public double NodeHours { get; set; }
    public double GpuHours { get; set; }
    /// <summary>Hours × the CPUs SLURM allocated (NumCPUs); jobs whose sender did not report it add none.</summary>
    public double CoreHours { get; set; }

    public void Add(UsageFigures o, int sign = 1)
    {
        Jobs += sign * o.Jobs; WallHours += sign * o.WallHours; NodeHours += sign * o.NodeHours;
        GpuHours += sign * o.GpuHours; CoreHours += sign * o.CoreHours;
    }
}
