using System.Diagnostics.Metrics;

namespace Jobmon.Infrastructure;

/// <summary>One async shard's health: events behind the high-water mark and whether it has stopped moving.</summary>
public sealed record ShardHealth(string Shard, long Behind, bool Stalled, DateTimeOffset LastProgress,
    bool Rebuilding = false);
