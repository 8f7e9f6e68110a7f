using Jobmon.Jobs;

namespace Jobmon.Tests.Core;

/// <summary>SLURM's wait status and state names, decoded by hand: low 7 bits the signal, the next byte the exit
/// code.</summary>
public sealed class ExitStatusTests
{
    [Theory]
    [InlineData(0, JobState.Completed)]
    [InlineData(1 << 8, JobState.Failed)]   // exit 1
    [InlineData(255 << 8, JobState.Failed)] // exit 255
    [InlineData(9, JobState.Failed)]        // SIGKILL
    [InlineData(15, JobState.Failed)]       // SIGTERM: cancelled only if SLURM says so
    [InlineData(0x80, JobState.Completed)]  // the core-dump bit alone is neither signal nor exit code
    public void The_state_of_a_wait_status(int waitStatus, JobState state) =>
        ExitStatus.StateOf(waitStatus).ShouldBe(state);

    [Theory]
    [InlineData(0, "exit code 0 (success)")]
    [InlineData(3 << 8, "exit code 3")]
    [InlineData(6, "killed by signal 6 (SIGABRT)")]
    [InlineData(24, "killed by signal 24 (SIGXCPU)")]
    [InlineData(40, "killed by signal 40")]
    public void The_description_of_a_wait_status(int waitStatus, string text) =>
        ExitStatus.Describe(waitStatus).ShouldBe(text);

    [Theory]
    [InlineData("CANCELLED by 0", JobState.Cancelled)]
    [InlineData("TIMEOUT", JobState.Timeout)]
    [InlineData("out_of_memory", JobState.OutOfMemory)]
    [InlineData("OOM", JobState.OutOfMemory)]
    [InlineData(" NF ", JobState.NodeFail)]
    [InlineData("REQUEUED+", JobState.Requeued)]
    [InlineData("bootFail", JobState.BootFail)]
    public void Slurms_end_state_names(string name, JobState state) => StateNames.FromSlurm(name).ShouldBe(state);

    [Theory]
    [InlineData("RUNNING")]
    [InlineData("COMPLETING")]
    [InlineData("PENDING")]
    [InlineData("")]
    [InlineData(null)]
    public void Names_that_are_no_end_state(string? name) => StateNames.FromSlurm(name).ShouldBeNull();
}
