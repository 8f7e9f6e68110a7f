using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Summaries;

/// <summary>Per cluster and partition, keyed "cluster/partition".</summary>
public sealed class PartitionSummary : JobCounters
{
    public string Id { get; set; } = "";
    public string Cluster { get; set; } = "";
    public string Partition { get; set; } = "";

    public static string KeyOf(string cluster, string partition) => $"{cluster}/{partition}";
}
