using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;

namespace Jobmon.Metrics;


public static class Classifier
{
    public static JobFinding[] Classify(JobView job, Dictionary<string, MetricStatistics> stats,
        IReadOnlyDictionary<string, MetricDefinition> metrics, IEnumerable<ClassificationRule> rules)
    {
        var findings = new List<JobFinding>();
        foreach (var rule in rules)
        {
            if ((job.DurationSeconds ?? 0) < rule.MinDurationSeconds || !stats.TryGetValue(rule.Metric, out var s))
                continue;
            var value = rule.Statistic switch { "max" => s.Max, "robustMax" => s.RobustMax, _ => s.Mean };
            if (value is not { } v) continue;
            double? peak = metrics.TryGetValue(rule.Metric, out var m) ? m.PeakPerNode : null;
            if (rule.RelativeToPeak && peak is null) continue;
            var scale = rule.RelativeToPeak ? peak!.Value : 1;
            var hit = (rule.Below is { } below && v < below * scale) || (rule.Above is { } above && v > above * scale);
            if (hit)
                findings.Add(new JobFinding(rule.Tag, rule.Reason.Replace("{value}", v.ToString("0.##"))
                    .Replace("{peak}", peak?.ToString("0.##") ?? "")
                    .Replace("{unit}", s.Unit)));
        }
        return findings.ToArray();
    }
}
