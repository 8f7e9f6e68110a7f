using System.Text.Json;
using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Nodes;

/// <summary>The scheduler's latest view of one node (cc-backend's node state, as cc-slurm-adapter reports it every
/// poll).
/// A read model of snapshots, not events: it is replaced every minute per node and has no history worth
/// auditing.</summary>
public sealed class NodeSchedulerState
{
    public string Id { get; set; } = ""; // cluster/hostname
    public string Cluster { get; set; } = "";
    public string Hostname { get; set; } = "";
    /// <summary>One state resolved from SLURM's list the way cc-backend does (allocated > reserved > idle > down >
    /// mixed).</summary>
    public string State { get; set; } = "unknown";
    public string[] States { get; set; } = [];
    public int CpusAllocated { get; set; }
    public long MemoryAllocated { get; set; }
    public int GpusAllocated { get; set; }
    public int JobsRunning { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
