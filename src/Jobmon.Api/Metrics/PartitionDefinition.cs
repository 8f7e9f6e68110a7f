using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Metrics;

/// <summary>Partitions are per cluster; an empty cluster matches every cluster. <paramref name="Peaks"/> (metric →
/// peak)
/// override the catalogue's peaks for this partition's nodes (mixed GPU/CPU nodes need different peaks).</summary>
public sealed record PartitionDefinition(string Name, string Cluster, long? MaxTime, string[] Metrics,
    VirtualPartition[] VirtualPartitions,
    Dictionary<string, MetricPeak>? Peaks = null);
