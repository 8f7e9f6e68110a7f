using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Jobmon.Overtime;
using Jobmon.Metrics;
using Marten;
using Wolverine;

namespace Jobmon.Admin;

/// <summary>An admin asked for a job's statistics to be computed again (the result follows as
/// <see cref="JobMetricStatisticsRecorded"/> with trigger "admin"). Who and why are the event's headers.</summary>
public sealed record JobStatisticsRecomputeRequested(Guid JobId);
