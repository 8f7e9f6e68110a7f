using JasperFx.Events;
using Jobmon.Jobs;
using Jobmon.Metrics;

namespace Jobmon.Tests.Core;

/// <summary>JobView.Create/Apply folded by hand over event sequences: the same code the inline projection and the bulk
/// rebuild run, called directly.</summary>
public sealed class JobViewFoldTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.Parse("0195f000-0000-7000-8000-0000000000cc");

    private static IEvent<T> E<T>(T data, DateTimeOffset at) where T : notnull =>
        new Event<T>(data) { StreamId = Id, Timestamp = at };

    private static JobStarted Started(EndedBeforeStart? ended = null) => new(Id, "alex", 100, "ada", 1001, "hpc", 100,
        "Proj-7",
        "Train-Net", "gpu", 2, 16, 8, 4, ["a0101", "a0102"], T0, "#!/bin/bash", ended, 123, 4, 64);

    private static JobEnded Ended(int exitCode, JobState state, bool noExitCode = false) =>
        new(Id, "alex", 100, "ada", "gpu", 2, 8, T0, T0.AddHours(1), exitCode, state, "hpc", noExitCode);

    private static JobView Running() => JobView.Create(E(Started(), T0));

    [Fact]
    public void A_start_creates_a_running_view_with_every_field()
    {
        var v = Running();
        v.Id.ShouldBe(Id);
        (v.Cluster, v.SlurmId, v.User, v.UserId, v.Group, v.GroupId)
            .ShouldBe(("alex", 100L, "ada", (long?)1001, "hpc", (long?)100));
        (v.Account, v.JobName, v.Partition, v.JobScript).ShouldBe(("Proj-7", "Train-Net", "gpu", "#!/bin/bash"));
        (v.NumNodes, v.NumTasks, v.TasksPerNode, v.GpusPerNode, v.TotalGpus).ShouldBe((2, 16, 8, 4, 8));
        v.Nodes.ShouldBe(["a0101", "a0102"]);
        (v.ArrayJobId, v.ArrayTaskId, v.NumCpus).ShouldBe(((long?)123, (int?)4, (int?)64));
        (v.State, v.StartKnown, v.StartTime, v.StopTime, v.DurationSeconds)
            .ShouldBe((JobState.Running, true, (DateTimeOffset?)T0, (DateTimeOffset?)null, (long?)null));
        v.RunningKey.ShouldBe("alex/100");
        v.SearchText.ShouldBe("100 123_4 train-net proj-7");
        (v.WindowStart, v.WindowEnd).ShouldBe((T0, JobView.OpenEnd));
        v.LastChangedAt.ShouldBe(T0);
        v.Version.ShouldBe(0); // Marten sets it, not the fold
    }

    [Fact]
    public void Event_times_are_cut_to_microseconds_as_postgresql_stores_them()
    {
        JobView.Create(E(Started(), T0.AddTicks(1_234_567))).LastChangedAt.ShouldBe(T0.AddTicks(1_234_560));
    }

    [Fact]
    public void An_end_stops_the_job_and_frees_its_running_key()
    {
        var v = Running().Apply(E(Ended(0, JobState.Completed), T0.AddHours(1).AddSeconds(2)));
        (v.State, v.StopTime, v.DurationSeconds, v.ExitCode)
            .ShouldBe((JobState.Completed, (DateTimeOffset?)T0.AddHours(1), (long?)3600, (int?)0));
        v.ExitDescription.ShouldBe("exit code 0 (success)");
        v.RunningKey.ShouldBeNull();
        v.EndReason.ShouldBeNull();
        v.LastChangedAt.ShouldBe(T0.AddHours(1).AddSeconds(2));
        v.WindowEnd.ShouldBe(T0.AddHours(1));
    }

    [Theory]
    [InlineData(256, JobState.Failed, "exit code 1")]
    [InlineData(9, JobState.Failed, "killed by signal 9 (SIGKILL)")]
    [InlineData(11, JobState.Failed, "killed by signal 11 (SIGSEGV)")]
    [InlineData(33, JobState.Failed, "killed by signal 33")]
    [InlineData(15, JobState.Cancelled, "cancelled, killed by signal 15 (SIGTERM)")]
    [InlineData(0, JobState.Timeout, "time limit reached, exit code 0")]
    [InlineData(0, JobState.OutOfMemory, "out of memory, exit code 0")]
    public void The_exit_description_reads_the_wait_status_and_the_state(int exitCode, JobState state,
        string description)
    {
        var v = Running().Apply(E(Ended(exitCode, state), T0.AddHours(1)));
        (v.State, v.ExitCode, v.ExitDescription).ShouldBe((state, (int?)exitCode, description));
    }

    [Fact]
    public void A_clustercockpit_end_has_no_exit_code()
    {
        var v = Running().Apply(E(Ended(0, JobState.NodeFail, noExitCode: true), T0.AddHours(1)));
        v.ExitCode.ShouldBeNull();
        v.ExitDescription.ShouldBe("nodefail (reported by ClusterCockpit, without an exit code)");
    }

    [Fact]
    public void A_stop_before_the_start_creates_a_view_whose_start_is_unknown_and_the_start_completes_it()
    {
        var stop = new JobEnded(Id, "alex", 100, "", "", 0, 0, null, T0.AddHours(1), 256, JobState.Failed);
        var v = JobView.Create(E(stop, T0.AddHours(1)));
        (v.StartKnown, v.StartTime, v.DurationSeconds, v.State, v.RunningKey)
            .ShouldBe((false, (DateTimeOffset?)null, (long?)null, JobState.Failed, (string?)null));
        (v.Cluster, v.SlurmId, v.User, v.SearchText).ShouldBe(("alex", 100L, "", "100"));
        v.EndReason.ShouldBe(JobView.StartNeverReceived);
        v.WindowStart.ShouldBe(T0.AddHours(1));

        var completed = v.Apply(E(Started(new EndedBeforeStart(T0.AddHours(1), JobState.Failed)), T0.AddHours(2)));
        (completed.StartKnown, completed.State, completed.RunningKey, completed.DurationSeconds)
            .ShouldBe((true, JobState.Failed, (string?)null, (long?)3600));
        (completed.User, completed.ExitCode, completed.EndReason).ShouldBe(("ada", (int?)256, (string?)null));
        completed.SearchText.ShouldBe("100 123_4 train-net proj-7");
    }

    [Fact]
    public void A_sweeper_timeout_ends_the_job_without_an_exit_code_and_a_late_stop_replaces_it()
    {
        var swept = Running().Apply(E(new JobTimedOut(Id, "alex", 100, "ada", "gpu", 2, 8, T0, T0.AddHours(25),
            TimeSpan.FromHours(24),
            "ran past the partition's MaxTime of 24:00:00"), T0.AddHours(25)));
        (swept.State, swept.StopTime, swept.DurationSeconds, swept.ExitCode)
            .ShouldBe((JobState.Timeout, (DateTimeOffset?)T0.AddHours(25), (long?)90_000, (int?)null));
        (swept.ExitDescription, swept.EndReason, swept.RunningKey)
            .ShouldBe(("ended by the overtime sweeper", "ran past the partition's MaxTime of 24:00:00", (string?)null));

        var late = swept.Apply(E(Ended(9, JobState.Failed), T0.AddHours(26)));
        (late.State, late.StopTime, late.DurationSeconds, late.ExitCode, late.EndReason)
            .ShouldBe((JobState.Failed, (DateTimeOffset?)T0.AddHours(1), (long?)3600, (int?)9, (string?)null));
    }

    [Fact]
    public void An_end_correction_takes_the_final_state_and_remembers_the_first_report_once()
    {
        var ended = Running().Apply(E(Ended(0, JobState.Completed), T0.AddHours(1)));
        var corrected = ended.Apply(E(new JobEndCorrected(Id, "alex", 100, "ada", "gpu", "hpc", 2, 8, T0,
            T0.AddHours(1),
            JobState.Completed, 0, JobState.Cancelled, 15, "cancelled by root"), T0.AddHours(1).AddMinutes(1)));
        (corrected.State, corrected.ExitCode, corrected.ExitDescription)
            .ShouldBe((JobState.Cancelled, (int?)15, "cancelled, killed by signal 15 (SIGTERM)"));
        (corrected.EndReason, corrected.FirstReportedEnd)
            .ShouldBe(("cancelled by root", "completed, exit code 0 (success)"));
        corrected.StopTime.ShouldBe(T0.AddHours(1));

        var again = corrected.Apply(E(new JobEndCorrected(Id, "alex", 100, "ada", "gpu", "hpc", 2, 8, T0,
            T0.AddHours(1),
            JobState.Cancelled, 15, JobState.Timeout, 15, null), T0.AddHours(2)));
        (again.State, again.EndReason, again.FirstReportedEnd)
            .ShouldBe((JobState.Timeout, "cancelled by root", "completed, exit code 0 (success)"));
    }

    [Fact]
    public void The_first_report_of_a_swept_job_says_it_had_no_exit_code()
    {
        var v = Running().Apply(E(new JobEndCorrected(Id, "alex", 100, "ada", "gpu", "hpc", 2, 8, T0, T0.AddHours(25),
            JobState.Timeout, null, JobState.Timeout, 0, "TimeLimit"), T0.AddHours(26)));
        v.FirstReportedEnd.ShouldBe("timeout, no exit code");
    }

    [Fact]
    public void Tags_are_added_once_by_name_and_removed_by_name()
    {
        var v = Running()
            .Apply(E(new JobTagAdded(Id, "a", "ada", TagVisibility.Private), T0.AddMinutes(1)))
            .Apply(E(new JobTagAdded(Id, "b", "ada", TagVisibility.Public), T0.AddMinutes(2)))
            .Apply(E(new JobTagAdded(Id, "a", "root", TagVisibility.Public), T0.AddMinutes(3)));
        v.TagNames.ShouldBe(["b", "a"]);
        v.Tags
            .ShouldBe([new JobTag("b", "ada", TagVisibility.Public, T0.AddMinutes(2)),
                new JobTag("a", "root", TagVisibility.Public, T0.AddMinutes(3))]);

        var removed = v.Apply(E(new JobTagRemoved(Id, "b", "ada"), T0.AddMinutes(4)))
            .Apply(E(new JobTagRemoved(Id, "never-there", "ada"), T0.AddMinutes(5)));
        removed.TagNames.ShouldBe(["a"]);
        removed.LastChangedAt.ShouldBe(T0.AddMinutes(5));
    }

    [Fact]
    public void A_metadata_correction_changes_only_the_given_fields_and_the_search_text()
    {
        var v = Running()
            .Apply(E(new JobMetadataCorrected(Id, "typo", JobName: "Eval", GpusPerNode: 2), T0.AddMinutes(1)));
        (v.JobName, v.Account, v.Group, v.JobScript, v.NumTasks).ShouldBe(("Eval", "Proj-7", "hpc", "#!/bin/bash", 16));
        (v.GpusPerNode, v.TotalGpus).ShouldBe((2, 4));
        v.SearchText.ShouldBe("100 123_4 eval proj-7");

        var all = v.Apply(E(new JobMetadataCorrected(Id, "r", "N", "acc", "grp", "script", 3, 0), T0.AddMinutes(2)));
        (all.JobName, all.Account, all.Group, all.JobScript, all.NumTasks, all.TotalGpus)
            .ShouldBe(("N", "acc", "grp", "script", 3, 0));
    }

    private static Dictionary<string, MetricStatistics> Stats() => new()
    {
        ["cpu_power"] = new("W", 150, 90, 220, 210,
            new() { ["a0101"] = new(100, 90, 110, 108, 60), ["a0102"] = new(200, 190, 220, 215, 60) }, 400),
        ["mem_bw"] = new("B/s", 5e10, 1e9, 9e10, 8e10, new() { ["a0101"] = new(5e10, 1e9, 9e10, 8e10, 60) }),
    };

    [Fact]
    public void Statistics_at_the_end_are_recorded_with_the_energy_of_the_power_metrics()
    {
        var v = Running().Apply(E(Ended(0, JobState.Completed), T0.AddHours(1)))
            .Apply(E(new JobMetricStatisticsRecorded(Id, T0.AddHours(1), 60, Stats(), "job-end"),
                T0.AddHours(1).AddMinutes(1)));
        v.Statistics.Count.ShouldBe(2);
        v.Statistics["cpu_power"].ShouldBe(new MetricSummary("W", 150, 220, 210, 400));
        v.Statistics["mem_bw"].ShouldBe(new MetricSummary("B/s", 5e10, 9e10, 8e10));
        v.StatisticsStopTime.ShouldBe(T0.AddHours(1));
        v.StatisticsUpdatedAt.ShouldBe(T0.AddHours(1).AddMinutes(1));
        // (100 W + 200 W) × 3600 s = 1,080,000 J = 0.3 kWh; mem_bw is no power metric.
        v.Energy!.Kwh.ShouldBe(0.3, 1e-12);
        v.Energy.ByMetric.Keys.ShouldBe(["cpu_power"]);
    }

    [Fact]
    public void A_job_without_a_known_start_gets_statistics_but_no_energy()
    {
        var stop = new JobEnded(Id, "alex", 100, "", "", 0, 0, null, T0.AddHours(1), 0, JobState.Completed);
        var v = JobView.Create(E(stop, T0.AddHours(1)))
            .Apply(E(new JobMetricStatisticsRecorded(Id, T0.AddHours(1), 60, Stats(), "admin"), T0.AddHours(2)));
        v.Statistics.Count.ShouldBe(2);
        v.Energy.ShouldBeNull();
    }

    [Fact]
    public void Running_statistics_count_the_time_so_far_and_leave_the_end_statistics_time_alone()
    {
        var v = Running()
            .Apply(E(new RunningJobStatisticsRecorded(Id, T0.AddMinutes(30), 60, Stats()), T0.AddMinutes(30)));
        v.Energy!.Kwh.ShouldBe(0.15, 1e-12); // 300 W × 1800 s
        v.StatisticsStopTime.ShouldBeNull();
        v.StatisticsUpdatedAt.ShouldBe(T0.AddMinutes(30));
        v.State.ShouldBe(JobState.Running);
    }

    [Fact]
    public void Findings_raised_while_running_join_earlier_ones_and_keep_peoples_tags()
    {
        var v = Running()
            .Apply(E(new JobTagAdded(Id, "idle-gpus", "ada", TagVisibility.Private), T0.AddMinutes(1)))
            .Apply(E(new JobFindingsRaised(Id, [new JobFinding("idle-gpus", "GPUs idle")]), T0.AddMinutes(10)))
            .Apply(E(new JobFindingsRaised(Id, [new JobFinding("low-cpu-load", "low"),
                new JobFinding("idle-gpus", "still idle")]), T0.AddMinutes(20)));
        v.Findings.ShouldBe([new JobFinding("low-cpu-load", "low"), new JobFinding("idle-gpus", "still idle")]);
        v.Tags.Where(t => t.CreatedBy == JobView.Classifier).Select(t => (t.Name, t.Reason))
            .ShouldBe([("low-cpu-load", "low"), ("idle-gpus", "still idle")]);
        v.Tags.ShouldContain(t => t.Name == "idle-gpus" && t.CreatedBy == "ada");
        v.TagNames.ShouldBe(["idle-gpus", "low-cpu-load"]); // distinct
    }

    [Fact]
    public void The_job_end_classification_replaces_the_classifier_tags_only()
    {
        var v = Running()
            .Apply(E(new JobTagAdded(Id, "mine", "ada", TagVisibility.Public), T0.AddMinutes(1)))
            .Apply(E(new JobFindingsRaised(Id, [new JobFinding("idle-gpus", "idle")]), T0.AddMinutes(10)))
            .Apply(E(new JobClassified(Id, [new JobFinding("memory-bound", "bw")]), T0.AddHours(1)));
        v.Findings.ShouldBe([new JobFinding("memory-bound", "bw")]);
        v.TagNames.ShouldBe(["mine", "memory-bound"]);
        v.Tags.Single(t => t.Name == "memory-bound")
            .ShouldBe(new JobTag("memory-bound", JobView.Classifier, TagVisibility.Public, T0.AddHours(1), "bw"));

        var cleared = v.Apply(E(new JobClassified(Id, []), T0.AddHours(2)));
        (cleared.Findings.Length, cleared.TagNames.Single()).ShouldBe((0, "mine"));
    }

    [Fact]
    public void Scheduler_details_are_kept_as_reported()
    {
        var details = new SchedulerDetails(3600, T0, "main", "none", 2, 4, 72, 99, 1024, 1, new() { ["k"] = "v" }, []);
        Running().Apply(E(new JobSchedulerDetailsReported(Id, details), T0)).Scheduler.ShouldBeSameAs(details);
    }

    [Fact]
    public void A_whole_life_folds_to_the_final_truth_and_never_touches_the_version()
    {
        var v = Running() with { Version = 7 };
        v = v.Apply(E(new JobTagAdded(Id, "x", "ada", TagVisibility.Private), T0.AddMinutes(1)))
            .Apply(E(new JobTimedOut(Id, "alex", 100, "ada", "gpu", 2, 8, T0, T0.AddHours(25), TimeSpan.FromHours(24),
                "swept"), T0.AddHours(25)))
            .Apply(E(Ended(0, JobState.Completed), T0.AddHours(26)))
            .Apply(E(new JobEndCorrected(Id, "alex", 100, "ada", "gpu", "hpc", 2, 8, T0, T0.AddHours(1),
                JobState.Completed, 0,
                JobState.Timeout, 0, "TimeLimit"), T0.AddHours(27)))
            .Apply(E(new JobTagRemoved(Id, "x", "ada"), T0.AddHours(28)));
        (v.State, v.ExitCode, v.StopTime, v.DurationSeconds)
            .ShouldBe((JobState.Timeout, (int?)0, (DateTimeOffset?)T0.AddHours(1), (long?)3600));
        (v.EndReason, v.FirstReportedEnd, v.TagNames.Length)
            .ShouldBe(("TimeLimit", "completed, exit code 0 (success)", 0));
        v.LastChangedAt.ShouldBe(T0.AddHours(28));
        v.Version.ShouldBe(7);
    }
}
