using JasperFx.Events;

namespace Jobmon.Jobs;

/// <summary>Job-level summary of one metric, kept on the view so lists can filter and sort without InfluxDB.</summary>
/// <param name="Peak">The metric's per-node peak on the job's partition when the statistics were recorded (partition
/// peaks win).</param>
public sealed record MetricSummary(string Unit, double? Mean, double? Max, double? RobustMax, double? Peak = null);
