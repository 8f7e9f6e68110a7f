using System.Collections.Concurrent;
using JasperFx.Events.Daemon;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Rebuild;
using Marten;

namespace Jobmon.Admin;

/// <param name="Done">Jobs rebuilt so far (bulk job view rebuild only), of <paramref name="Total"/>.</param>
public sealed record RebuildStatus(string Projection, string State, DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt, string? Error, string StartedBy,
    long? Done = null, long? Total = null);
