using System.Collections.Concurrent;
using JasperFx.Events.Daemon;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Rebuild;
using Marten;

namespace Jobmon.Admin;

public sealed record ShardStatus(string Shard, long Sequence, long Behind);
