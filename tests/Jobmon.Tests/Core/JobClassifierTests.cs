using Jobmon.Jobs;
using Jobmon.Metrics;

namespace Jobmon.Tests.Core;

/// <summary>The classifier (Metrics/JobEndProcessing.cs, used at job end and by the running rounds) with hand-made
/// statistics: each default rule's threshold edges, the minimum duration, missing metrics and peaks.</summary>
public sealed class JobClassifierTests
{
    private static readonly JobView Job =
        new() { Id = Guid.NewGuid(), NumNodes = 2, DurationSeconds = 3600, State = JobState.Completed };

    private static MetricDefinition Metric(string name, double? peak) => new(name, name, name, "", MetricScope.Node, [],
        false,
        Aggregation.Mean, [Aggregation.Mean], peak, null, []);

    /// <summary>nv_util without a peak (its rule is absolute), load_one with 72 cores, mem_bw with 100 GB/s per
    /// node.</summary>
    private static readonly Dictionary<string, MetricDefinition> Catalogue = new()
    {
        ["nv_util"] = Metric("nv_util", null), ["load_one"] = Metric("load_one", 72),
        ["mem_bw"] = Metric("mem_bw", 100),
    };

    private static Dictionary<string, MetricStatistics> One(string metric, double? mean, string unit = "",
        double? max = null,
        double? robustMax = null) => new() { [metric] = new(unit, mean, null, max, robustMax, new()) };

    private static JobFinding[] Classify(Dictionary<string, MetricStatistics> stats, JobView? job = null,
        IEnumerable<ClassificationRule>? rules = null) =>
        Classifier.Classify(job ?? Job, stats, Catalogue, rules ?? ClassificationRule.Defaults);

    [Theory]
    [InlineData(4.99, true)]
    [InlineData(5.0, false)] // "below 5": 5 itself is not idle
    [InlineData(5.01, false)]
    [InlineData(0.0, true)]
    public void Idle_gpus_below_five_percent_mean_utilisation(double mean, bool idle)
    {
        var findings = Classify(One("nv_util", mean, "%"));
        findings.Any(f => f.Tag == "idle-gpus").ShouldBe(idle);
    }

    [Fact]
    public void The_idle_gpus_reason_names_the_value()
    {
        Classify(One("nv_util", 4.5, "%"))
            .ShouldBe([new JobFinding("idle-gpus", "GPUs were nearly idle: mean utilisation 4.5 %")]);
        Classify(One("nv_util", 0.004, "%")).Single().Reason.ShouldBe("GPUs were nearly idle: mean utilisation 0 %");
    }

    [Theory]
    [InlineData(7.19, true)]  // 10 % of 72 cores is 7.2
    [InlineData(7.2, false)]
    [InlineData(7.21, false)]
    public void Low_cpu_load_below_ten_percent_of_the_nodes_cores(double mean, bool low)
    {
        Classify(One("load_one", mean)).Any(f => f.Tag == "low-cpu-load").ShouldBe(low);
    }

    [Fact]
    public void The_low_cpu_load_reason_names_value_and_cores()
    {
        Classify(One("load_one", 1.234))
            .ShouldBe([new JobFinding("low-cpu-load", "mean CPU load 1.23 is below 10 % of the node's 72 cores")]);
    }

    [Theory]
    [InlineData(69.99, false)]
    [InlineData(70.0, false)] // "above 70 %": 70 % itself is not memory-bound
    [InlineData(70.01, true)]
    public void Memory_bound_above_seventy_percent_of_the_node_peak(double mean, bool bound)
    {
        Classify(One("mem_bw", mean, "GB/s")).Any(f => f.Tag == "memory-bound").ShouldBe(bound);
    }

    [Fact]
    public void The_memory_bound_reason_names_value_unit_and_peak()
    {
        Classify(One("mem_bw", 85.5, "GB/s"))
            .ShouldBe([new JobFinding("memory-bound",
                "mean memory bandwidth 85.5 GB/s is above 70 % of the node peak 100")]);
    }

    [Theory]
    [InlineData(599L, false)]
    [InlineData(600L, true)] // the default minimum is 600 s, inclusive
    [InlineData(null, false)] // no duration (still running, start unknown) counts as 0
    public void Jobs_shorter_than_the_rules_minimum_duration_are_not_classified(long? seconds, bool classified)
    {
        Classify(One("nv_util", 1), Job with { DurationSeconds = seconds }).Length.ShouldBe(classified ? 1 : 0);
    }

    [Fact]
    public void Several_findings_come_in_rule_order()
    {
        var stats = new Dictionary<string, MetricStatistics>
        {
            ["mem_bw"] = new("GB/s", 90, null, null, null, new()),
            ["nv_util"] = new("%", 1, null, null, null, new()),
            ["load_one"] = new("", 1, null, null, null, new()),
        };
        Classify(stats).Select(f => f.Tag).ShouldBe(["idle-gpus", "low-cpu-load", "memory-bound"]);
    }

    [Fact]
    public void Missing_metrics_and_missing_means_raise_nothing()
    {
        Classify([]).ShouldBeEmpty();
        Classify(One("nv_util", null, "%")).ShouldBeEmpty();
        Classify(One("some_other_metric", 0)).ShouldBeEmpty();
    }

    [Fact]
    public void A_relative_rule_without_a_known_peak_is_skipped()
    {
        var noPeak = new Dictionary<string, MetricDefinition> { ["load_one"] = Metric("load_one", null) };
        Classifier.Classify(Job, One("load_one", 0.01), noPeak, ClassificationRule.Defaults).ShouldBeEmpty();
        Classifier.Classify(Job, One("load_one", 0.01), new Dictionary<string, MetricDefinition>(),
            ClassificationRule.Defaults).ShouldBeEmpty();
    }

    [Fact]
    public void A_job_with_zero_nodes_and_no_node_statistics_is_classified_from_the_job_values_alone()
    {
        // The rules read the job-level statistic; a job without nodes has none, so nothing is raised...
        Classify([], Job with { NumNodes = 0, Nodes = [] }).ShouldBeEmpty();
        // ...and a job-level value without node rows is still judged.
        Classify(One("nv_util", 2, "%"), Job with { NumNodes = 0, Nodes = [] }).Single().Tag.ShouldBe("idle-gpus");
    }

    [Theory]
    [InlineData("max", 10.0, 99.0, false)]
    [InlineData("max", 1.0, 99.0, true)]
    [InlineData("robustMax", 99.0, 1.0, true)]
    [InlineData("mean", 1.0, 1.0, false)] // an unknown statistic name falls back to the mean
    public void A_rule_may_judge_the_max_or_the_robust_max(string statistic, double max, double robustMax, bool hit)
    {
        var rule = new ClassificationRule
        {
            Tag = "t", Metric = "nv_util", Statistic = statistic, Below = 5, MinDurationSeconds = 0, Reason = "{value}",
        };
        var stats = One("nv_util", 50, "%", max, robustMax);
        Classifier.Classify(Job, stats, Catalogue, [rule]).Length.ShouldBe(hit ? 1 : 0);
    }

    [Fact]
    public void A_configured_rule_with_both_bounds_raises_outside_the_band()
    {
        var rule = new ClassificationRule
        {
            Tag = "odd", Metric = "nv_util", Below = 10, Above = 90, MinDurationSeconds = 0, Reason = "{value}",
        };
        Classifier.Classify(Job, One("nv_util", 95), Catalogue, [rule]).Single().Reason.ShouldBe("95");
        Classifier.Classify(Job, One("nv_util", 50), Catalogue, [rule]).ShouldBeEmpty();
        Classifier.Classify(Job, One("nv_util", 9.5), Catalogue, [rule]).Single().Reason.ShouldBe("9.5");
    }
}
