namespace Jobmon.Infrastructure;

public sealed class PartitionLimits
{
    /// <summary>Seconds, as in the original's config.json.</summary>
    public long MaxTime { get; set; }
}
