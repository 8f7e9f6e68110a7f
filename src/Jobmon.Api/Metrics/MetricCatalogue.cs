using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Metrics;

public sealed record MetricCatalogue
{
    public static readonly Guid StreamId = new("6a0b0e53-0c5f-4b7e-9c3e-6d1f6f0a1c01");
    public Guid Id { get; init; }
    public Dictionary<string, MetricDefinition> Metrics { get; init; } = new();
    public Dictionary<string, PartitionDefinition> Partitions { get; init; } = new();
    public int CollectorIntervalSeconds { get; init; } = 30;
    public double[] Quantiles { get; init; } = [0.25, 0.5, 0.75];
    public string[] RadarMetrics { get; init; } = [];
    public int Version { get; set; }

    public static string PartitionKey(string cluster, string name) => $"{cluster}/{name}";

    public static MetricCatalogue Create(JasperFx.Events.IEvent<MetricDefined> e)
        => new MetricCatalogue { Id = e.StreamId }.Apply(e.Data);
    public static MetricCatalogue Create(JasperFx.Events.IEvent<PartitionDefined> e)
        => new MetricCatalogue { Id = e.StreamId }.Apply(e.Data);
    public static MetricCatalogue Create(JasperFx.Events.IEvent<CatalogueSettingsChanged> e)
        => new MetricCatalogue { Id = e.StreamId }.Apply(e.Data);

    public MetricCatalogue Apply(MetricDefined e) => this
        with { Metrics = new(Metrics) { [e.Metric.Name] = e.Metric } };

    public MetricCatalogue Apply(MetricRemoved e)
    {
        var metrics = new Dictionary<string, MetricDefinition>(Metrics);
        metrics.Remove(e.Name);
        // References go with the metric (the original left them dangling in virtual partitions).
        var partitions = Partitions.ToDictionary(p => p.Key, p => p.Value with
        {
            Metrics = p.Value.Metrics.Where(m => m != e.Name).ToArray(),
            VirtualPartitions = p.Value.VirtualPartitions.Select(v => v
                with { Metrics = v.Metrics.Where(m => m != e.Name).ToArray() }).ToArray(),
        });
        return this with { Metrics = metrics, Partitions = partitions, RadarMetrics =
            RadarMetrics.Where(m => m != e.Name).ToArray() };
    }

    public MetricCatalogue Apply(PartitionDefined e) =>
        this with { Partitions = new(Partitions) { [PartitionKey(e.Partition.Cluster, e.Partition.Name)] =
            e.Partition } };

    public MetricCatalogue Apply(PartitionRemoved e)
    {
        var partitions = new Dictionary<string, PartitionDefinition>(Partitions);
        partitions.Remove(PartitionKey(e.Cluster, e.Name));
        return this with { Partitions = partitions };
    }

    public MetricCatalogue Apply(CatalogueSettingsChanged e) =>
        this with { CollectorIntervalSeconds = e.CollectorIntervalSeconds, Quantiles = e.Quantiles, RadarMetrics =
            e.RadarMetrics };

    public PartitionDefinition? PartitionOf(string cluster, string partition) =>
        Partitions.GetValueOrDefault(PartitionKey(cluster, partition))
            ?? Partitions.GetValueOrDefault(PartitionKey("", partition));

    /// <summary>The metrics that apply to a job: its virtual partition's (all its nodes inside the node list), else its
    /// partition's (an empty list means none, as in the original), else — for partitions nobody configured — every
    /// metric, so data is never hidden. Peaks are the (virtual) partition's where it names them.</summary>
    public (IReadOnlyList<MetricDefinition> Metrics, string Source, long? MaxTime) MetricsFor(string cluster,
        string partition, IReadOnlyList<string> nodes)
    {
        var p = PartitionOf(cluster, partition);
        if (p is null) return (Metrics.Values.OrderBy(m => m.Name).ToList(), "all metrics (partition not configured)",
            null);
        foreach (var v in p.VirtualPartitions)
        {
            try
            {
                var members = Hostlist.Expand(v.Nodes).ToHashSet();
                if (nodes.Count > 0 && nodes.All(members.Contains))
                    return (WithPeaks(v.Metrics, v.Peaks ?? p.Peaks), $"virtual partition {v.Name}", v.MaxTime
                        ?? p.MaxTime);
            }
            catch (FormatException) { /* validated on input; ignore a bad legacy entry */ }
        }
        return (WithPeaks(p.Metrics, p.Peaks), $"partition {p.Name}", p.MaxTime);
    }

    private List<MetricDefinition> WithPeaks(IEnumerable<string> names, Dictionary<string, MetricPeak>? peaks) =>
        names.Where(Metrics.ContainsKey).Select(n => peaks?.GetValueOrDefault(n) is { } peak
            ? Metrics[n] with { PeakPerNode = peak.PerNode ?? Metrics[n].PeakPerNode, PeakPerDevice = peak.PerDevice
                ?? Metrics[n].PeakPerDevice }
            : Metrics[n]).ToList();
}
