using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Writing;

namespace Jobmon.Tests.Core;

/// <summary>The SLURM start/stop deciders as pure functions: jobs known under the SLURM id in, a decision out.
/// No host, no database; the HTTP behaviour on top is in IngestionTests and FinalStateTests.</summary>
public sealed class IngestionDecisionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private static readonly Guid NewJobId = Guid.Parse("0195f000-0000-7000-8000-000000000001");
    private static readonly Guid OldJobId = Guid.Parse("0195f000-0000-7000-8000-0000000000aa");

    private int _newIds;
    private Guid NewId() { _newIds++; return NewJobId; }

    private static StartJob Start(long slurmId = 100, string cluster = "alex", DateTimeOffset? at = null) =>
        new(cluster, slurmId, "ada", 1001, "hpc", 100, "proj-7", "train", "gpu", 2, 16, 8, 4, ["a0101", "a0102"],
            at ?? T0, "#!/bin/bash\nsrun train");

    private static JobView RunningView(StartJob s, Guid id) => new()
    {
        Id = id, Cluster = s.Cluster, SlurmId = s.SlurmId, User = s.User, Group = s.Group, Account = s.Account,
        JobName = s.JobName, Partition = s.Partition, NumNodes = s.NumNodes, NumTasks = s.NumTasks,
        TasksPerNode = s.TasksPerNode, GpusPerNode = s.GpusPerNode, TotalGpus = 8, Nodes = s.Nodes,
        JobScript = s.JobScript, StartTime = s.StartTime, StartKnown = true, State = JobState.Running,
        RunningKey = $"{s.Cluster}/{s.SlurmId}",
    };

    private static JobView EndedView(StartJob s, Guid id, DateTimeOffset stop, JobState state, int? exitCode) =>
        RunningView(s, id) with { StopTime = stop, State = state, ExitCode = exitCode, RunningKey = null };

    /// <summary>A stop that arrived before its start.</summary>
    private static JobView StopOnlyView(Guid id, string cluster, DateTimeOffset stop, JobState state, int exitCode) =>
        new()
    {
        Id = id, Cluster = cluster, SlurmId = 100, StartKnown = false, StopTime = stop, State = state,
        ExitCode = exitCode,
    };

    private Decision Decide(StartJob command, params JobView[] known) =>
        IngestionDecisions.Decide(command, known, NewId);
    private Decision Decide(StopJob command, params JobView[] known) =>
        IngestionDecisions.Decide(command, known, NewId);

    private static StopJob Stop(DateTimeOffset at, int exitCode = 0, string? cluster = "alex") =>
        new(100, cluster, exitCode, at);

    // ---- starts ----

    [Fact]
    public void A_first_start_opens_a_new_stream_with_JobStarted_carrying_every_field()
    {
        var start = Start() with { ArrayJobId = 98, ArrayTaskId = 2, NumCpus = 64 };
        var append = Decide(start).ShouldBeOfType<Decision.Append>();
        append.JobId.ShouldBe(NewJobId);
        append.IsNew.ShouldBeTrue();
        append.Outcome.ShouldBe("job started");
        var started = append.Events.ShouldHaveSingleItem().ShouldBeOfType<JobStarted>();
        started.ShouldBe(new JobStarted(NewJobId, "alex", 100, "ada", 1001, "hpc", 100, "proj-7", "train", "gpu",
            2, 16, 8, 4,
            start.Nodes, T0, "#!/bin/bash\nsrun train", null, 98, 2, 64));
        _newIds.ShouldBe(1);
    }

    [Fact]
    public void A_repeated_identical_start_of_a_running_job_stores_nothing()
    {
        var running = RunningView(Start(), OldJobId);
        var decision = Decide(Start(), running);
        decision.ShouldBe(new Decision.AlreadyKnown(OldJobId, "duplicate start: the job is already running"));
        _newIds.ShouldBe(0);
    }

    [Fact]
    public void Fields_the_comparison_leaves_out_do_not_make_a_repeated_start_a_conflict()
    {
        // Script, group, ids, tasks per node and CPUs are not compared: a resent prolog may differ there.
        var resent = Start() with
        {
            JobScript = "changed", Group = "other", UserId = 7, GroupId = 8, TasksPerNode = 1, NumCpus = 3,
        };
        Decide(resent, RunningView(Start(), OldJobId)).ShouldBeOfType<Decision.AlreadyKnown>();
    }

    public static TheoryData<string> ComparedFields => ["user", "startTime", "partition", "account", "jobName",
        "numNodes",
        "nodes", "gpusPerNode", "numTasks"];

    [Theory]
    [MemberData(nameof(ComparedFields))]
    public void A_start_that_differs_from_the_running_job_is_a_409_naming_it(string field)
    {
        var s = Start();
        var different = field switch
        {
            "user" => s with { User = "bob" },
            "startTime" => s with { StartTime = T0.AddSeconds(1) },
            "partition" => s with { Partition = "cpu" },
            "account" => s with { Account = "proj-8" },
            "jobName" => s with { JobName = "eval" },
            "numNodes" => s with { NumNodes = 3 },
            "nodes" => s with { Nodes = ["a0101", "a0103"] },
            "gpusPerNode" => s with { GpusPerNode = 2 },
            _ => s with { NumTasks = 15 },
        };
        var rejected = Decide(different, RunningView(s, OldJobId)).ShouldBeOfType<Decision.Rejected>();
        rejected.Status.ShouldBe(409);
        rejected.Field.ShouldBe("id");
        rejected.Detail.ShouldStartWith(
            "job 100 on cluster alex is already running with different data (started 2026-01-05 08:00:00Z by ada)");
        rejected.Extensions!["jobId"].ShouldBe(OldJobId);
    }

    [Fact]
    public void The_same_id_running_on_another_cluster_is_another_job()
    {
        var elsewhere = RunningView(Start(cluster: "fritz"), OldJobId);
        var append = Decide(Start(), elsewhere).ShouldBeOfType<Decision.Append>();
        append.IsNew.ShouldBeTrue();
        append.JobId.ShouldBe(NewJobId);
    }

    [Fact]
    public void A_start_repeated_after_the_job_ended_stores_nothing()
    {
        var ended = EndedView(Start(), OldJobId, T0.AddHours(1), JobState.Completed, 0);
        Decide(Start(), ended)
            .ShouldBe(new Decision.AlreadyKnown(OldJobId, "duplicate start: the job already ran and ended"));
    }

    [Fact]
    public void A_start_with_an_ended_jobs_start_time_but_other_data_is_a_409()
    {
        var ended = EndedView(Start(), OldJobId, T0.AddHours(1), JobState.Completed, 0);
        var rejected = Decide(Start() with { User = "eve" }, ended).ShouldBeOfType<Decision.Rejected>();
        rejected.Status.ShouldBe(409);
        rejected.Detail.ShouldBe("job 100 on cluster alex with this start time is already known with different data");
        rejected.Extensions!["jobId"].ShouldBe(OldJobId);
    }

    [Fact]
    public void A_reused_slurm_id_after_the_old_job_ended_starts_a_new_stream()
    {
        var old = EndedView(Start(), OldJobId, T0.AddHours(1), JobState.Completed, 0);
        var append = Decide(Start(at: T0.AddDays(30)), old).ShouldBeOfType<Decision.Append>();
        append.ShouldSatisfyAllConditions(() => append.IsNew.ShouldBeTrue(), () => append.JobId.ShouldBe(NewJobId));
    }

    [Fact]
    public void A_start_after_its_stop_completes_the_stop_only_job_with_the_known_end()
    {
        var stopOnly = StopOnlyView(OldJobId, "alex", T0.AddHours(2), JobState.Failed, 256);
        var append = Decide(Start(), stopOnly).ShouldBeOfType<Decision.Append>();
        append.JobId.ShouldBe(OldJobId);
        append.IsNew.ShouldBeFalse();
        append.Outcome.ShouldBe("start completes a job whose end arrived first");
        append.Events.ShouldHaveSingleItem().ShouldBeOfType<JobStarted>().Ended
            .ShouldBe(new EndedBeforeStart(T0.AddHours(2), JobState.Failed));
        _newIds.ShouldBe(0);
    }

    [Fact]
    public void A_stop_only_job_without_a_cluster_is_completed_by_the_start_of_any_cluster()
    {
        var stopOnly = StopOnlyView(OldJobId, "", T0.AddHours(2), JobState.Completed, 0);
        Decide(Start(), stopOnly).ShouldBeOfType<Decision.Append>().JobId.ShouldBe(OldJobId);
    }

    [Fact]
    public void A_stop_only_job_of_another_cluster_or_that_ended_before_the_start_is_not_this_run()
    {
        var otherCluster = StopOnlyView(Guid.NewGuid(), "fritz", T0.AddHours(2), JobState.Completed, 0);
        var endedBefore = StopOnlyView(Guid.NewGuid(), "alex", T0.AddSeconds(-1), JobState.Completed, 0);
        var append = Decide(Start(), otherCluster, endedBefore).ShouldBeOfType<Decision.Append>();
        append.IsNew.ShouldBeTrue();
        append.Events.ShouldHaveSingleItem().ShouldBeOfType<JobStarted>().Ended.ShouldBeNull();
    }

    [Fact]
    public void Of_several_stop_only_jobs_the_start_takes_the_earliest_end_at_or_after_it()
    {
        var later = StopOnlyView(Guid.NewGuid(), "alex", T0.AddHours(5), JobState.Completed, 0);
        var atStart = StopOnlyView(OldJobId, "alex", T0, JobState.Cancelled, 15);
        Decide(Start(), later, atStart).ShouldBeOfType<Decision.Append>().JobId.ShouldBe(OldJobId);
    }

    [Fact]
    public void An_array_task_start_carries_the_array_id_and_task()
    {
        // Task 4 of array 123 has SLURM job id 127 (the writer passes only jobs under 127).
        var task4 = Start(slurmId: 127) with { ArrayJobId = 123, ArrayTaskId = 4 };
        var started = Decide(task4).ShouldBeOfType<Decision.Append>()
            .Events.ShouldHaveSingleItem().ShouldBeOfType<JobStarted>();
        (started.SlurmId, started.ArrayJobId, started.ArrayTaskId).ShouldBe((127L, (long?)123, (int?)4));
    }

    // ---- stops ----

    [Theory]
    [InlineData(0, JobState.Completed)]       // exit status 0
    [InlineData(256, JobState.Failed)]        // exit status 1 (wait status 1 << 8)
    [InlineData(512, JobState.Failed)]        // exit status 2
    [InlineData(9, JobState.Failed)]          // killed by SIGKILL: SLURM says FAILED
    [InlineData(11, JobState.Failed)]         // SIGSEGV
    [InlineData(15, JobState.Failed)]         // SIGTERM: only SLURM can say CANCELLED
    [InlineData(0x8000 + 0x7f, JobState.Failed)] // signal bits set
    public void A_stop_of_the_running_job_ends_it_in_the_state_of_its_wait_status(int exitCode, JobState state)
    {
        var running = RunningView(Start(), OldJobId);
        var append = Decide(Stop(T0.AddHours(1), exitCode), running).ShouldBeOfType<Decision.Append>();
        append.JobId.ShouldBe(OldJobId);
        append.IsNew.ShouldBeFalse();
        append.Outcome.ShouldBe("job ended");
        append.Events.ShouldHaveSingleItem().ShouldBe(
            new JobEnded(OldJobId, "alex", 100, "ada", "gpu", 2, 8, T0, T0.AddHours(1), exitCode, state, "hpc"));
    }

    [Fact]
    public void A_state_the_caller_names_wins_over_the_exit_status()
    {
        var stop = Stop(T0.AddHours(1)) with { State = JobState.Timeout };
        Decide(stop, RunningView(Start(), OldJobId)).ShouldBeOfType<Decision.Append>()
            .Events.ShouldHaveSingleItem().ShouldBeOfType<JobEnded>().State.ShouldBe(JobState.Timeout);
    }

    [Fact]
    public void A_stop_before_the_running_jobs_start_is_a_400_on_stopTime_and_one_at_it_is_fine()
    {
        var running = RunningView(Start(), OldJobId);
        var rejected = Decide(Stop(T0.AddSeconds(-1)), running).ShouldBeOfType<Decision.Rejected>();
        (rejected.Status, rejected.Field, rejected.Detail)
            .ShouldBe((400, "stopTime", "is before the job's start time 2026-01-05 08:00:00Z."));
        Decide(Stop(T0), running).ShouldBeOfType<Decision.Append>();
    }

    [Fact]
    public void A_stop_without_a_cluster_ends_the_one_running_job_with_that_id()
    {
        var running = RunningView(Start(cluster: "fritz"), OldJobId);
        Decide(Stop(T0.AddHours(1), cluster: null), running)
            .ShouldBeOfType<Decision.Append>().JobId.ShouldBe(OldJobId);
    }

    [Fact]
    public void A_stop_without_a_cluster_while_the_id_runs_on_several_is_a_409_naming_them()
    {
        var onFritz = RunningView(Start(cluster: "fritz"), Guid.NewGuid());
        var onAlex = RunningView(Start(cluster: "alex"), Guid.NewGuid());
        var rejected = Decide(Stop(T0.AddHours(1), cluster: null), onFritz, onAlex)
            .ShouldBeOfType<Decision.Rejected>();
        (rejected.Status, rejected.Field).ShouldBe((409, "cluster"));
        ((string[])rejected.Extensions!["clusters"]!).ShouldBe(["alex", "fritz"]);
        rejected.Detail.ShouldContain("(alex, fritz)");
    }

    [Fact]
    public void A_stop_naming_a_cluster_ends_the_job_there_only()
    {
        var onFritz = RunningView(Start(cluster: "fritz"), Guid.NewGuid());
        var onAlex = RunningView(Start(cluster: "alex"), OldJobId);
        Decide(Stop(T0.AddHours(1)), onFritz, onAlex)
            .ShouldBeOfType<Decision.Append>().JobId.ShouldBe(OldJobId);
    }

    [Fact]
    public void A_stop_before_any_start_is_kept_as_a_job_whose_start_is_unknown()
    {
        var append = Decide(Stop(T0, 256)).ShouldBeOfType<Decision.Append>();
        append.IsNew.ShouldBeTrue();
        append.Outcome.ShouldBe("stop recorded for a job whose start is unknown");
        append.Events.ShouldHaveSingleItem()
            .ShouldBe(new JobEnded(NewJobId, "alex", 100, "", "", 0, 0, null, T0, 256, JobState.Failed));
        Decide(Stop(T0, cluster: null)).ShouldBeOfType<Decision.Append>()
            .Events.ShouldHaveSingleItem().ShouldBeOfType<JobEnded>().Cluster.ShouldBe("");
    }

    [Fact]
    public void A_repeated_stop_of_an_ended_job_stores_nothing()
    {
        var ended = EndedView(Start(), OldJobId, T0.AddHours(1), JobState.Failed, 256);
        Decide(Stop(T0.AddHours(1), 256), ended)
            .ShouldBe(new Decision.AlreadyKnown(OldJobId, "duplicate stop: the job already ended"));
        var stopOnly = StopOnlyView(OldJobId, "alex", T0, JobState.Completed, 0);
        Decide(Stop(T0), stopOnly).ShouldBeOfType<Decision.AlreadyKnown>().JobId.ShouldBe(OldJobId);
        _newIds.ShouldBe(0);
    }

    [Fact]
    public void A_different_stop_for_an_ended_job_that_is_not_newer_is_a_409()
    {
        var ended = EndedView(Start(), OldJobId, T0.AddHours(1), JobState.Completed, 0)
            with { ExitDescription = "exit code 0 (success)" };
        var rejected = Decide(Stop(T0.AddHours(1), 256), ended).ShouldBeOfType<Decision.Rejected>();
        (rejected.Status, rejected.Field).ShouldBe((409, "stopTime"));
        rejected.Detail.ShouldBe("job 100 on cluster alex already ended at 2026-01-05 09:00:00Z " +
                                 "(exit code 0 (success)); this stop is not newer");
        rejected.Extensions!["jobId"].ShouldBe(OldJobId);
    }

    [Fact]
    public void A_newer_stop_after_the_last_run_ended_is_a_run_whose_start_was_lost()
    {
        var ended = EndedView(Start(), OldJobId, T0.AddHours(1), JobState.Completed, 0);
        var append = Decide(Stop(T0.AddHours(3)), ended).ShouldBeOfType<Decision.Append>();
        (append.JobId, append.IsNew).ShouldBe((NewJobId, true));
    }

    [Fact]
    public void A_stop_for_a_reused_id_ends_the_running_run_not_the_old_one()
    {
        var old = EndedView(Start(), Guid.NewGuid(), T0.AddHours(1), JobState.Completed, 0);
        var current = RunningView(Start(at: T0.AddDays(30)), OldJobId);
        Decide(Stop(T0.AddDays(30).AddHours(2)), current, old)
            .ShouldBeOfType<Decision.Append>().JobId.ShouldBe(OldJobId);
        // The old run's stop sent again while the new run runs is before the new run's start.
        Decide(Stop(T0.AddHours(1)), current, old).ShouldBeOfType<Decision.Rejected>().Status.ShouldBe(400);
    }

    [Fact]
    public void A_late_real_stop_supersedes_the_sweepers_timeout()
    {
        var swept = EndedView(Start(), OldJobId, T0.AddHours(25), JobState.Timeout, null);
        var append = Decide(Stop(T0.AddHours(24), 9), swept).ShouldBeOfType<Decision.Append>();
        append.JobId.ShouldBe(OldJobId);
        append.Outcome.ShouldBe("late stop of a job the sweeper had ended");
        append.Events.ShouldHaveSingleItem().ShouldBeOfType<JobEnded>().ShouldSatisfyAllConditions(
            e => e.StopTime.ShouldBe(T0.AddHours(24)), e => e.ExitCode.ShouldBe(9),
            e => e.State.ShouldBe(JobState.Failed));
    }

    [Fact]
    public void A_timeout_with_an_exit_code_is_slurms_own_and_is_not_superseded()
    {
        var timedOut = EndedView(Start(), OldJobId, T0.AddHours(2), JobState.Timeout, 0);
        Decide(Stop(T0.AddHours(1), 9), timedOut).ShouldBeOfType<Decision.Rejected>().Status.ShouldBe(409);
    }

    // ---- SLURM's final record ----

    private static StopJob Final(DateTimeOffset epilogTime, JobState state, int exitCode, string? reason = null) =>
        Stop(epilogTime, exitCode) with { Final = true, State = state, Reason = reason };

    [Fact]
    public void A_final_record_that_differs_appends_a_correction_with_the_first_report()
    {
        var ended = EndedView(Start(), OldJobId, T0.AddHours(1), JobState.Completed, 0);
        var append = Decide(Final(T0.AddHours(1).AddSeconds(3), JobState.Cancelled, 15, "cancelled by root"), ended)
            .ShouldBeOfType<Decision.Append>();
        append.JobId.ShouldBe(OldJobId);
        append.Outcome.ShouldBe("final state: cancelled (first reported as completed)");
        append.Events.ShouldHaveSingleItem().ShouldBe(new JobEndCorrected(OldJobId, "alex", 100, "ada", "gpu", "hpc",
            2, 8, T0,
            T0.AddHours(1), JobState.Completed, 0, JobState.Cancelled, 15, "cancelled by root"));
    }

    [Fact]
    public void A_final_record_agreeing_with_the_first_report_stores_nothing()
    {
        var ended = EndedView(Start(), OldJobId, T0.AddHours(1), JobState.Failed, 256);
        Decide(Final(T0.AddHours(1), JobState.Failed, 256), ended)
            .ShouldBe(new Decision.AlreadyKnown(OldJobId, "final state: as first reported"));
    }

    [Fact]
    public void A_final_record_matches_a_run_that_ended_up_to_five_minutes_away()
    {
        var ended = EndedView(Start(), OldJobId, T0.AddHours(1), JobState.Completed, 0);
        Decide(Final(T0.AddHours(1).AddMinutes(5), JobState.Timeout, 0), ended)
            .ShouldBeOfType<Decision.Append>().Events.ShouldHaveSingleItem().ShouldBeOfType<JobEndCorrected>();
        // Just beyond the window it is no record of that run: a newer stop, kept as a run whose start is unknown.
        var beyond = Decide(Final(T0.AddHours(1).AddMinutes(5).AddSeconds(1), JobState.Timeout, 0), ended)
            .ShouldBeOfType<Decision.Append>();
        (beyond.JobId, beyond.IsNew).ShouldBe((NewJobId, true));
    }

    [Fact]
    public void A_final_record_of_a_requeued_job_picks_the_run_that_ended_closest_to_it()
    {
        var firstRun = EndedView(Start(), Guid.NewGuid(), T0.AddHours(1), JobState.Completed, 0);
        var secondRun = EndedView(Start(at: T0.AddHours(1).AddMinutes(1)), OldJobId, T0.AddHours(1).AddMinutes(3),
            JobState.Completed, 0);
        Decide(Final(T0.AddHours(1).AddMinutes(2).AddSeconds(1), JobState.Requeued, 0), secondRun, firstRun)
            .ShouldBeOfType<Decision.Append>().JobId.ShouldBe(OldJobId);
    }

    [Fact]
    public void A_final_record_for_a_job_whose_stop_was_lost_ends_it_in_slurms_state()
    {
        var running = RunningView(Start(), OldJobId);
        Decide(Final(T0.AddHours(24), JobState.Timeout, 15, "TimeLimit"), running)
            .ShouldBeOfType<Decision.Append>().Events.ShouldHaveSingleItem()
            .ShouldBe(new JobEnded(OldJobId, "alex", 100, "ada", "gpu", 2, 8, T0, T0.AddHours(24), 15, JobState.Timeout,
                "hpc"));
    }
}
