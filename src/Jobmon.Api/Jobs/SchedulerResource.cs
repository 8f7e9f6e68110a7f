namespace Jobmon.Jobs;

/// <summary>One node of a job as ClusterCockpit describes it (cc-lib schema.Resource).</summary>
public sealed record SchedulerResource(string Hostname, int[]? Hwthreads, string[]? Accelerators,
    string? Configuration);
