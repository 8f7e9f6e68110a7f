using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Writing;

namespace Jobmon.Tests.Core;

/// <summary>cc-backend's start/stop decisions (ClusterCockpitStart/Stop) as pure functions; HTTP in
/// ClusterCockpitTests.</summary>
public sealed class ClusterCockpitDecisionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Guid NewJobId = Guid.Parse("0195f000-0000-7000-8000-000000000002");
    private static readonly Guid JobId = Guid.Parse("0195f000-0000-7000-8000-0000000000bb");
    private static Guid NewId() => NewJobId;
    private static ClusterCockpitStop Stop(long id, string? cluster, DateTimeOffset? start, JobState state,
        DateTimeOffset stop) =>
        new(id, cluster, start, state, stop);

    private static readonly StartJob Start = new("fritz", 555, "ada", null, "hpc", null, "proj", "sim", "work",
        1, 72, 72, 0,
        ["f0101"], T0, null);
    private static readonly SchedulerDetails Details = new(3600, T0.AddMinutes(-5), "main", "none", 1, 0, 72, null,
        1000, 1,
        new() { ["slurmInfo"] = "x" }, [new SchedulerResource("f0101", [0, 1], null, null)]);

    private static JobView Running(string cluster = "fritz", DateTimeOffset? start = null, Guid? id = null) => new()
    {
        Id = id ?? JobId, Cluster = cluster, SlurmId = 555, User = "ada", Partition = "work", Group = "hpc",
        NumNodes = 1,
        StartTime = start ?? T0, StartKnown = true, State = JobState.Running, RunningKey = $"{cluster}/555",
    };

    [Fact]
    public void A_new_start_appends_the_details_and_tags_with_the_start()
    {
        var cmd = new ClusterCockpitStart(Start, Details, [("gpu-test", TagVisibility.Public)], "cc-adapter");
        var append = cmd.Decide([], NewId).ShouldBeOfType<Decision.Append>();
        append.IsNew.ShouldBeTrue();
        append.Events.Length.ShouldBe(3);
        append.Events[0].ShouldBeOfType<JobStarted>().JobId.ShouldBe(NewJobId);
        append.Events[1].ShouldBe(new JobSchedulerDetailsReported(NewJobId, Details));
        append.Events[2].ShouldBe(new JobTagAdded(NewJobId, "gpu-test", "cc-adapter", TagVisibility.Public));
    }

    [Fact]
    public void A_start_already_known_appends_nothing_more()
    {
        var running = Running() with { Account = "proj", JobName = "sim", NumTasks = 72, Nodes = ["f0101"] };
        new ClusterCockpitStart(Start, Details, [("t", TagVisibility.Public)], "cc").Decide([running], NewId)
            .ShouldBeOfType<Decision.AlreadyKnown>().JobId.ShouldBe(JobId);
    }

    [Fact]
    public void A_stop_ends_the_running_job_in_the_reported_state_without_an_exit_code()
    {
        var append = Stop(555, "fritz", null, JobState.OutOfMemory, T0.AddHours(2)).Decide([Running()], NewId)
            .ShouldBeOfType<Decision.Append>();
        append.Events.ShouldHaveSingleItem().ShouldBe(new JobEnded(JobId, "fritz", 555, "ada", "work", 1, 0, T0,
            T0.AddHours(2), 0,
            JobState.OutOfMemory, "hpc", NoExitCode: true));
    }

    [Fact]
    public void A_stop_for_an_unknown_job_is_a_404()
    {
        var rejected = Stop(555, "fritz", T0, JobState.Completed, T0.AddHours(1)).Decide([], NewId)
            .ShouldBeOfType<Decision.Rejected>();
        (rejected.Status, rejected.Detail).ShouldBe(
            (404, $"finding job failed: no job with jobId 555 on fritz with startTime {T0.ToUnixTimeSeconds()}"));
    }

    [Fact]
    public void A_stop_of_a_job_no_longer_running_is_a_422_naming_its_state()
    {
        var ended = Running() with { State = JobState.NodeFail, StopTime = T0.AddHours(1), RunningKey = null };
        var rejected = Stop(555, null, null, JobState.Completed, T0.AddHours(2)).Decide([ended], NewId)
            .ShouldBeOfType<Decision.Rejected>();
        (rejected.Status, rejected.Detail)
            .ShouldBe((422, "jobId 555: job has already been stopped (state is: node_fail)"));
    }

    [Fact]
    public void A_stop_before_the_start_is_a_400()
    {
        var rejected = Stop(555, "fritz", null, JobState.Completed, T0.AddSeconds(-1)).Decide([Running()], NewId)
            .ShouldBeOfType<Decision.Rejected>();
        (rejected.Status, rejected.Field).ShouldBe((400, "stopTime"));
    }

    [Fact]
    public void A_stop_with_a_start_time_picks_that_run_of_a_reused_id_and_a_cluster_picks_that_cluster()
    {
        var newer = Running(start: T0.AddDays(9), id: Guid.NewGuid());
        var older = Running(id: JobId);
        Stop(555, null, T0, JobState.Completed, T0.AddHours(1)).Decide([newer, older], NewId)
            .ShouldBeOfType<Decision.Append>().JobId.ShouldBe(JobId);
        var elsewhere = Running(cluster: "alex", id: Guid.NewGuid());
        Stop(555, "fritz", null, JobState.Completed, T0.AddHours(1)).Decide([elsewhere, older], NewId)
            .ShouldBeOfType<Decision.Append>().JobId.ShouldBe(JobId);
    }
}
