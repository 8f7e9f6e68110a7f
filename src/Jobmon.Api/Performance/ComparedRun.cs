using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Marten;

namespace Jobmon.Performance;

/// <summary>One run in the comparison. Rates are the job's per-node means (mean over its nodes of each node's mean),
/// so runs on different node counts compare per node.</summary>
public sealed record ComparedRun(Guid Id, string Cluster, long JobId, string Name, string Account, JobState State,
    DateTimeOffset? StartTime,
    long? DurationSeconds, int NumNodes, double? FlopsPerNode, double? MemoryBandwidthPerNode, double? EnergyKwh,
        IReadOnlyList<string> EnergyMetrics);
