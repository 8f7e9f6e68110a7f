using System.Text.Json;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Ingestion;

/// <summary>cc stop_job as cc-backend decides it: the newest job with this id (in the cluster, with this start time
/// when given); unknown → 404, no longer running → 422, stop before start → 400.</summary>
public sealed record ClusterCockpitStop(long SlurmId, string? Cluster, DateTimeOffset? StartTime, JobState State,
    DateTimeOffset StopTime) : ISlurmJobCommand
{
    public Decision Decide(IReadOnlyList<JobView> known, Func<Guid> newId)
    {
        var job = known.FirstOrDefault(j => (Cluster is null || j.Cluster == Cluster)
            && (StartTime is null || j.StartTime == StartTime));
        var where = $"jobId {SlurmId}" + (Cluster is null ? "" : $" on {Cluster}")
            + (StartTime is { } s ? $" with startTime {s.ToUnixTimeSeconds()}" : "");
        if (job is null)
            return new Decision.Rejected(404, "jobId", $"finding job failed: no job with {where}");
        if (job.State != JobState.Running)
            return new Decision.Rejected(422, "jobId",
                $"{where}: job has already been stopped (state is: {ClusterCockpitIngestion.NameOf(job.State)})");
        if (job.StartTime is { } start && StopTime < start)
            return new Decision.Rejected(400, "stopTime",
                $"stopTime {StopTime.ToUnixTimeSeconds()} must be larger/equal than startTime " +
                $"{start.ToUnixTimeSeconds()}");
        return new Decision.Append(job.Id, false,
            [new JobEnded(job.Id, job.Cluster, job.SlurmId, job.User, job.Partition, job.NumNodes, job.TotalGpus,
                job.StartTime, StopTime, 0, State, job.Group, NoExitCode: true)],
            "job ended");
    }
}
