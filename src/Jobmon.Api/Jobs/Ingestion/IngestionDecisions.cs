using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Ingestion;

public static class IngestionDecisions
{
    /// <param name="known">Jobs with the same SLURM id in the command's cluster or with an unknown cluster.</param>
    public static Decision Decide(StartJob cmd, IReadOnlyList<JobView> known, Func<Guid> newId)
    {
        var sameCluster = known.Where(j => j.Cluster == cmd.Cluster).ToList();

        var running = sameCluster.FirstOrDefault(j => j.State == JobState.Running);
        if (running is not null)
            return SameStart(running, cmd)
                ? new Decision.AlreadyKnown(running.Id, "duplicate start: the job is already running")
                : new Decision.Rejected(409, "id",
                    $"job {cmd.SlurmId} on cluster {cmd.Cluster} is already running with different data (started " +
                        $"{running.StartTime:u} by {running.User}); end it first",
                    new Dictionary<string, object?> { ["jobId"] = running.Id });

        var ended = sameCluster.FirstOrDefault(j => j.StartKnown && j.StartTime == cmd.StartTime);
        if (ended is not null)
            return SameStart(ended, cmd)
                ? new Decision.AlreadyKnown(ended.Id, "duplicate start: the job already ran and ended")
                : new Decision.Rejected(409, "id",
                    $"job {cmd.SlurmId} on cluster {cmd.Cluster} with this start time is already known with " +
                    "different data",
                    new Dictionary<string, object?> { ["jobId"] = ended.Id });

        // A stop that arrived before its start (lost prolog push): the earliest such job that ended after this start.
        var orphan = known
            .Where(j => !j.StartKnown && (j.Cluster == cmd.Cluster || j.Cluster == "") && j.StopTime >= cmd.StartTime)
            .OrderBy(j => j.StopTime)
            .FirstOrDefault();
        if (orphan is not null)
            return new Decision.Append(orphan.Id, false,
                [ToEvent(orphan.Id, cmd, new EndedBeforeStart(orphan.StopTime!.Value, orphan.State))],
                "start completes a job whose end arrived first");

        var id = newId();
        return new Decision.Append(id, true, [ToEvent(id, cmd, null)], "job started");
    }

    /// <param name="known">Jobs with the stop's SLURM id (in its cluster when named), newest first.</param>
    public static Decision Decide(StopJob cmd, IReadOnlyList<JobView> known, Func<Guid> newId)
    {
        var candidates = cmd.Cluster is null ? known : known.Where(j => j.Cluster == cmd.Cluster || j.Cluster == "")
            .ToList();

        // SLURM's final record of a run whose end was already reported: the run that ended closest to the epilog's
        // time (the script sends SLURM's EndTime first, the epilog's own time with the final record; a requeued job's
        // next run ends later). Correct it if it differs.
        var reported = cmd.Final
            ? candidates.Where(j => j.State != JobState.Running && j.StopTime is { } t && (t - cmd.StopTime)
                .Duration() <= FinalRecordWindow)
                .MinBy(j => (j.StopTime!.Value - cmd.StopTime).Duration())
            : null;
        if (reported is not null)
        {
            var state = cmd.State ?? ExitStatus.StateOf(cmd.ExitCode);
            if (reported.State == state && reported.ExitCode == cmd.ExitCode)
                return new Decision.AlreadyKnown(reported.Id, "final state: as first reported");
            return new Decision.Append(reported.Id, false,
                [new JobEndCorrected(reported.Id, reported.Cluster, reported.SlurmId, reported.User,
                    reported.Partition, reported.Group,
                    reported.NumNodes, reported.TotalGpus, reported.StartTime, reported.StopTime!.Value,
                        reported.State, reported.ExitCode,
                    state, cmd.ExitCode, cmd.Reason)],
                $"final state: {state.ToString().ToLowerInvariant()} (first reported as " +
                    $"{reported.State.ToString().ToLowerInvariant()})");
        }

        var running = candidates.Where(j => j.State == JobState.Running).ToList();
        if (running.Count > 1)
        {
            var clusters = running.Select(j => j.Cluster).Distinct().Order().ToArray();
            return new Decision.Rejected(409, "cluster",
                $"job {cmd.SlurmId} is running on several clusters ({string.Join(", ", clusters)}); name the cluster " +
                    "with ?cluster= or clusterId",
                new Dictionary<string, object?> { ["clusters"] = clusters });
        }
        if (running.Count == 1)
        {
            var job = running[0];
            if (job.StartTime is { } start && cmd.StopTime < start)
                return new Decision.Rejected(400, "stopTime", $"is before the job's start time {start:u}.");
            return new Decision.Append(job.Id, false, [Ended(job, cmd)], "job ended");
        }

        var repeated = candidates.FirstOrDefault(j => j.StopTime == cmd.StopTime && j.ExitCode == cmd.ExitCode);
        if (repeated is not null)
            return new Decision.AlreadyKnown(repeated.Id, "duplicate stop: the job already ended");

        // The sweeper ended it for running too long; the real end supersedes the sweeper's guess.
        var swept = candidates.FirstOrDefault(j => j.State == JobState.Timeout && j.ExitCode is null
            && j.StartTime <= cmd.StopTime);
        if (swept is not null)
            return new Decision.Append(swept.Id, false, [Ended(swept, cmd)],
                "late stop of a job the sweeper had ended");

        var latest = candidates.FirstOrDefault(j => j.StopTime is not null);
        if (latest is not null && cmd.StopTime <= latest.StopTime)
            return new Decision.Rejected(409, "stopTime",
                $"job {cmd.SlurmId} on cluster {latest.Cluster} already ended at {latest.StopTime:u} " +
                    $"({latest.ExitDescription}); this stop is not newer",
                new Dictionary<string, object?> { ["jobId"] = latest.Id });

        // Never started as far as we know: keep the stop so the job is visible and a late start can complete it.
        var id = newId();
        return new Decision.Append(id, true,
            [new JobEnded(id, cmd.Cluster ?? "", cmd.SlurmId, "", "", 0, 0, null, cmd.StopTime, cmd.ExitCode, cmd.State
                ?? ExitStatus.StateOf(cmd.ExitCode))],
            "stop recorded for a job whose start is unknown");
    }

    /// <summary>How far the epilog's time may be from SLURM's EndTime of the run it reports (a loaded controller runs
    /// epilogs late).</summary>
    public static readonly TimeSpan FinalRecordWindow = TimeSpan.FromMinutes(5);

    private static JobEnded Ended(JobView job, StopJob cmd) => new(
        job.Id, job.Cluster, job.SlurmId, job.User, job.Partition, job.NumNodes, job.TotalGpus,
        job.StartTime, cmd.StopTime, cmd.ExitCode, cmd.State ?? ExitStatus.StateOf(cmd.ExitCode), job.Group);

    private static JobStarted ToEvent(Guid id, StartJob c, EndedBeforeStart? ended) => new(
        id, c.Cluster, c.SlurmId, c.User, c.UserId, c.Group, c.GroupId, c.Account, c.JobName, c.Partition,
        c.NumNodes, c.NumTasks, c.TasksPerNode, c.GpusPerNode, c.Nodes, c.StartTime, c.JobScript, ended,
        c.ArrayJobId, c.ArrayTaskId, c.NumCpus);

    private static bool SameStart(JobView j, StartJob c) =>
        j.User == c.User && j.StartTime == c.StartTime && j.Partition == c.Partition && j.Account == c.Account &&
        j.JobName == c.JobName && j.NumNodes == c.NumNodes && j.Nodes.SequenceEqual(c.Nodes) &&
        j.GpusPerNode == c.GpusPerNode && j.NumTasks == c.NumTasks;
}
