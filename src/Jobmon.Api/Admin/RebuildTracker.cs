using System.Collections.Concurrent;
using JasperFx.Events.Daemon;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Rebuild;
using Marten;

namespace Jobmon.Admin;

/// <summary>Rebuilds running in this process (a rebuild is driven by the node that was asked).</summary>
public sealed class RebuildTracker
{
    public ConcurrentDictionary<string, RebuildStatus> Rebuilds { get; } = new();
}
