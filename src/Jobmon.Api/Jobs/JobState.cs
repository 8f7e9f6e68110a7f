namespace Jobmon.Jobs;


/// <summary>A job's state. The end states are SLURM's final states (sacct/scontrol names) and ClusterCockpit's job
/// states;
/// stored and serialised by name (camelCase in JSON: outOfMemory, nodeFail, bootFail).</summary>
public enum JobState { Running, Completed, Failed, Cancelled, Timeout, OutOfMemory, NodeFail, Preempted, Requeued,
    BootFail, Deadline, Stopped }
