namespace Jobmon.Jobs;

// Events of job-end and running-job processing (Metrics/) that the job view applies: they belong to the job's
// stream, so they live with its events (the type alias, not the namespace, is stored with each event).

public sealed record NodeStatistics(double? Mean, double? Min, double? Max, double? RobustMax, long Samples);
/// <param name="Peak">The per-node peak that applied to the job (its partition's, else the catalogue's).</param>
public sealed record MetricStatistics(string Unit, double? Mean, double? Min, double? Max, double? RobustMax,
    Dictionary<string, NodeStatistics> Nodes, double? Peak = null);
public sealed record JobFinding(string Tag, string Reason);

/// <summary>Per-metric statistics of a finished job (computed from InfluxDB at job end or on admin request).</summary>
public sealed record JobMetricStatisticsRecorded(Guid JobId, DateTimeOffset StopTime, long Interval, Dictionary<string,
    MetricStatistics> Metrics, string Trigger);
/// <summary>Automatic classification from the statistics, with the reason for each finding.</summary>
public sealed record JobClassified(Guid JobId, JobFinding[] Findings);

/// <summary>Statistics of a running job so far: its footprint in the list and on the job page before it ends.</summary>
public sealed record RunningJobStatisticsRecorded(Guid JobId, DateTimeOffset Until, long Interval, Dictionary<string,
    MetricStatistics> Metrics);
/// <summary>Findings raised while the job runs (each tag once per job: a finding already raised is not raised
/// again).</summary>
public sealed record JobFindingsRaised(Guid JobId, JobFinding[] Findings);
