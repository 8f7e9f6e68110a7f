namespace Jobmon.Jobs;


// Job lifecycle events. Immutable records; each carries what every projection needs (user, cluster, partition,
// sizes), so projections never have to look anything up. Who caused an event, its correlation id and its source
// are stored by Marten as event metadata (user_name, correlation_id, headers["source"]).

/// <summary>SLURM prolog: the job started. When <see cref="Ended"/> is set, the job's end arrived first
/// (its prolog push was lost) and this start completes a job that is already over.</summary>
public sealed record JobStarted(
    Guid JobId,
    string Cluster,
    long SlurmId,
    string User,
    long? UserId,
    string Group,
    long? GroupId,
    string Account,
    string JobName,
    string Partition,
    int NumNodes,
    int NumTasks,
    int TasksPerNode,
    int GpusPerNode,
    string[] Nodes,
    DateTimeOffset StartTime,
    string? JobScript,
    EndedBeforeStart? Ended = null,
    long? ArrayJobId = null,
    int? ArrayTaskId = null,
    int? NumCpus = null);

/// <summary>What a late start needs to know about the end recorded before it.</summary>
public sealed record EndedBeforeStart(DateTimeOffset StopTime, JobState State);

/// <summary>SLURM epilog: the job ended. For a job whose start is unknown, <see cref="StartTime"/> is null and the
/// user/partition fields are empty.</summary>
public sealed record JobEnded(
    Guid JobId,
    string Cluster,
    long SlurmId,
    string User,
    string Partition,
    int NumNodes,
    int TotalGpus,
    DateTimeOffset? StartTime,
    DateTimeOffset StopTime,
    int ExitCode,
    JobState State,
    string Group = "",
    // ClusterCockpit reports a state, not an exit status: the view then shows no exit code rather than an invented one.
    bool NoExitCode = false);

/// <summary>The overtime sweeper ended a job that ran past its partition's MaxTime without an epilog push.</summary>
public sealed record JobTimedOut(
    Guid JobId,
    string Cluster,
    long SlurmId,
    string User,
    string Partition,
    int NumNodes,
    int TotalGpus,
    DateTimeOffset StartTime,
    DateTimeOffset StopTime,
    TimeSpan MaxTime,
    string Reason,
    string Group = "");

public sealed record JobTagAdded(Guid JobId, string Tag, string AddedBy, TagVisibility Visibility);

public sealed record JobTagRemoved(Guid JobId, string Tag, string RemovedBy);

/// <summary>An admin corrected metadata. Only the non-null fields change; <see cref="Reason"/> is mandatory.</summary>
public sealed record JobMetadataCorrected(
    Guid JobId,
    string Reason,
    string? JobName = null,
    string? Account = null,
    string? Group = null,
    string? JobScript = null,
    int? NumTasks = null,
    int? GpusPerNode = null);

/// <summary>SLURM's final record of a run differs from the end first reported (the epilog sees exit code 0 for a
/// cancelled or timed-out job that is still COMPLETING; a requeued run looks like a success). The first report stays
/// in the history; this event is the final truth. <see cref="Reason"/> is SLURM's reason text, if any.</summary>
public sealed record JobEndCorrected(
    Guid JobId,
    string Cluster,
    long SlurmId,
    string User,
    string Partition,
    string Group,
    int NumNodes,
    int TotalGpus,
    DateTimeOffset? StartTime,
    DateTimeOffset StopTime,
    JobState PreviousState,
    int? PreviousExitCode,
    JobState State,
    int ExitCode,
    string? Reason);
