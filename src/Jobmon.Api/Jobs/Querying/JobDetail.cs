using System.Text.Json;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Querying;

public sealed record JobDetail(
    Guid Id, string Cluster, long JobId, string User, long? UserId, string Group, long? GroupId, string Account,
        string Name,
    string Partition, JobState State, bool StartKnown, DateTimeOffset? StartTime, DateTimeOffset? StopTime,
        long? DurationSeconds,
    int NumNodes, int NumTasks, int TasksPerNode, int GpusPerNode, int TotalGpus, IReadOnlyList<string> Nodes,
    int? ExitCode, string? ExitDescription, string? EndReason, string? JobScript, IReadOnlyList<JobTag> Tags,
        int Version,
    IReadOnlyDictionary<string, MetricSummary> Statistics, IReadOnlyList<JobFinding> Findings,
    long? ArrayJobId = null, int? ArrayTaskId = null, int? NumCpus = null, string? FirstReportedEnd = null,
        DateTimeOffset? StatisticsUpdatedAt = null)
{
    /// <summary>Walltime, submit time and the rest a ClusterCockpit client reported (null for other sources).</summary>
    public SchedulerDetails? Scheduler { get; init; }

    public static JobDetail From(JobView j, DateTimeOffset now) => new(
        j.Id, j.Cluster, j.SlurmId, j.User, j.UserId, j.Group, j.GroupId, j.Account, j.JobName, j.Partition, j.State,
            j.StartKnown,
        j.StartTime, j.StopTime, JobListItem.DurationOf(j, now), j.NumNodes, j.NumTasks, j.TasksPerNode, j.GpusPerNode,
            j.TotalGpus,
        j.Nodes, j.ExitCode, j.ExitDescription, j.EndReason, j.JobScript, j.Tags, j.Version, j.Statistics, j.Findings,
        j.ArrayJobId, j.ArrayTaskId, j.NumCpus, j.FirstReportedEnd, j.StatisticsUpdatedAt);
}
