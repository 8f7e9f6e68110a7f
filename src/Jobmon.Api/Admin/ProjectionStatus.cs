using System.Collections.Concurrent;
using JasperFx.Events.Daemon;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Rebuild;
using Marten;

namespace Jobmon.Admin;

public sealed record ProjectionStatus(string Name, string Lifecycle, IReadOnlyList<ShardStatus> Shards,
    RebuildStatus? Rebuild);
