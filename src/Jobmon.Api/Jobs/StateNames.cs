namespace Jobmon.Jobs;

/// <summary>SLURM's names of its job states (scontrol/sacct/squeue), and the words the UI and descriptions
/// use.</summary>
public static class StateNames
{
    private static readonly Dictionary<string, JobState> Slurm = new(StringComparer.OrdinalIgnoreCase)
    {
        ["COMPLETED"] = JobState.Completed, ["FAILED"] = JobState.Failed, ["CANCELLED"] = JobState.Cancelled,
        ["TIMEOUT"] = JobState.Timeout, ["OUT_OF_MEMORY"] = JobState.OutOfMemory, ["NODE_FAIL"] = JobState.NodeFail,
        ["PREEMPTED"] = JobState.Preempted, ["REQUEUED"] = JobState.Requeued, ["BOOT_FAIL"] = JobState.BootFail,
        ["DEADLINE"] = JobState.Deadline, ["STOPPED"] = JobState.Stopped,
        // scontrol's short forms and Jobmon's own camelCase names are accepted as well.
        ["CA"] = JobState.Cancelled, ["TO"] = JobState.Timeout, ["OOM"] = JobState.OutOfMemory, ["NF"] =
            JobState.NodeFail,
        ["PR"] = JobState.Preempted, ["RQ"] = JobState.Requeued, ["BF"] = JobState.BootFail, ["DL"] = JobState.Deadline,
        ["CD"] = JobState.Completed, ["F"] = JobState.Failed,
        ["outOfMemory"] = JobState.OutOfMemory, ["nodeFail"] = JobState.NodeFail, ["bootFail"] = JobState.BootFail,
    };

    /// <summary>An end state from SLURM's name ("TIMEOUT", "OUT_OF_MEMORY", "CANCELLED by 0") or Jobmon's; null if
    /// it is not an end state (RUNNING, PENDING, COMPLETING are not).</summary>
    public static JobState? FromSlurm(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var word = name.Trim().Split(' ', 2)[0].TrimEnd('+');
        return Slurm.TryGetValue(word, out var state) ? state : null;
    }

    public static string Of(JobState state) => state switch
    {
        JobState.OutOfMemory => "out of memory",
        JobState.NodeFail => "node failure",
        JobState.BootFail => "boot failure",
        JobState.Timeout => "time limit reached",
        _ => state.ToString().ToLowerInvariant(),
    };
}
