using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;

namespace Jobmon.Metrics;


public sealed record ClassificationRule
{
    public string Tag { get; set; } = "";
    public string Metric { get; set; } = "";
    /// <summary>mean, max or robustMax over the job.</summary>
    public string Statistic { get; set; } = "mean";
    public double? Below { get; set; }
    public double? Above { get; set; }
    /// <summary>When set, Below/Above are fractions of the metric's per-node peak.</summary>
    public bool RelativeToPeak { get; set; }
    public long MinDurationSeconds { get; set; } = 600;
    public string Reason { get; set; } = "";

    public static readonly ClassificationRule[] Defaults =
    [
        new() { Tag = "idle-gpus", Metric = "nv_util", Statistic = "mean", Below = 5,
            Reason = "GPUs were nearly idle: mean utilisation {value} %" },
        new() { Tag = "low-cpu-load", Metric = "load_one", Statistic = "mean", Below = 0.1, RelativeToPeak = true,
            Reason = "mean CPU load {value} is below 10 % of the node's {peak} cores" },
        new() { Tag = "memory-bound", Metric = "mem_bw", Statistic = "mean", Above = 0.7, RelativeToPeak = true,
            Reason = "mean memory bandwidth {value} {unit} is above 70 % of the node peak {peak}" },
    ];
}
