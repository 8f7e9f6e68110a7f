namespace Jobmon.Jobs;

/// <summary>SLURM_JOB_EXIT_CODE is a wait(2) status: low 7 bits = terminating signal, next byte = exit code.</summary>
public static class ExitStatus
{
    public static int ExitCodeOf(int waitStatus) => (waitStatus >> 8) & 0xff;
    public static int SignalOf(int waitStatus) => waitStatus & 0x7f;

    /// <summary>The state when nothing better is known: SLURM calls a job killed by a signal (SIGSEGV, kill -9) FAILED,
    /// like a non-zero exit; only SLURM itself can say CANCELLED or TIMEOUT (the script's final report).</summary>
    public static JobState StateOf(int waitStatus) =>
        SignalOf(waitStatus) != 0 || ExitCodeOf(waitStatus) != 0 ? JobState.Failed : JobState.Completed;

    /// <summary>Like <see cref="Describe(int)"/>, but a job that did not complete is not called a "success".</summary>
    public static string Describe(int waitStatus, JobState state) =>
        state is JobState.Completed or JobState.Failed or JobState.Running ? Describe(waitStatus)
        : $"{StateNames.Of(state)}, {Describe(waitStatus).Replace(" (success)", "")}";

    public static string Describe(int waitStatus)
    {
        var signal = SignalOf(waitStatus);
        if (signal != 0)
            return SignalNames.TryGetValue(signal, out var name)
                ? $"killed by signal {signal} ({name})"
                : $"killed by signal {signal}";
        var exit = ExitCodeOf(waitStatus);
        return exit == 0 ? "exit code 0 (success)" : $"exit code {exit}";
    }

    private static readonly Dictionary<int, string> SignalNames = new()
    {
        [1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [6] = "SIGABRT", [7] = "SIGBUS",
        [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE",
        [14] = "SIGALRM", [15] = "SIGTERM", [24] = "SIGXCPU", [25] = "SIGXFSZ",
    };
}
