namespace Jobmon.Jobs;

/// <summary>Appended with the start of a job reported through the ClusterCockpit API.</summary>
public sealed record JobSchedulerDetailsReported(Guid JobId, SchedulerDetails Details);
