using JasperFx.Events;
using Jobmon.Jobs;
using Jobmon.Metrics;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Usage;

/// <summary>A running job, kept in the month bucket of its start: its hours up to now are computed at query
/// time.</summary>
public sealed record RunningJob(DateTimeOffset Start, int Nodes, int Gpus, int Cpus);
