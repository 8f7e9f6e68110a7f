using JasperFx.Events;
using Jobmon.Jobs;
using Jobmon.Metrics;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Usage;

/// <summary>
/// What one job event changes in one bucket. Not stored: the projection's grouping makes these from the job events and
/// the job views (the CPU count and, for classifications, the job's user and times, which those events do not carry).
/// </summary>
public sealed record UsageChange(
    string BucketId, string Kind, string User, string Cluster, string Partition, DateTimeOffset Period,
    Guid JobId, UsageChangeKind Change, string State, string? PreviousState, UsageFigures Figures,
    RunningJob? Running = null, bool HasFindings = false, double WastedGpuHours = 0);
