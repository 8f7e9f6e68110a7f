using System.Collections.Concurrent;
using JasperFx.Events.Daemon;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Rebuild;
using Marten;

namespace Jobmon.Admin;

public sealed record ProjectionsOverview(long HighWaterMark, long EventCount, long StreamCount,
    IReadOnlyList<ProjectionStatus> Projections);
