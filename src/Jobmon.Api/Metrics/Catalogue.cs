using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Metrics;

public enum MetricScope { Node, Socket, Core, Hwthread, Accelerator, MemoryDomain }
public enum Aggregation { Sum, Mean, Min, Max }
public enum TagOp { Equals, NotEquals, Matches }

/// <summary>A declarative tag filter (instead of the original's raw Flux fragments): key = value, key != value, key =~ /regex/.</summary>
public sealed record TagFilter(string Key, TagOp Op, string Value);

/// <param name="Unit">The unit of the values Jobmon serves (after <paramref name="Scale"/>), e.g. <c>B</c>; the UI adds prefixes.</param>
/// <param name="Scope">The scope of the metric's device rows (the <c>type</c> tag); <c>node</c> for node metrics.</param>
/// <param name="NodeRows">Set when the collector also writes <c>type=node</c> rows that are this aggregation of the device
/// rows (cpustat and likwid: sum). Per-node views with that aggregation read those rows; other aggregations combine the device rows.</param>
/// <param name="Scale">Factor from the collector's unit (<paramref name="SourceUnit"/>) to <paramref name="Unit"/>: kB → B is 1024.</param>
/// <param name="SourceUnit">The unit the collector writes (documentation for admins, e.g. <c>kB</c>).</param>
/// <param name="ScopeTag">The <c>type</c> tag value of the device rows when it is not the scope's usual name (the original's <c>cpu</c>).</param>
public sealed record MetricDefinition(
    string Name,
    string DisplayName,
    string Measurement,
    string Unit,
    MetricScope Scope,
    TagFilter[] Filters,
    bool IsCounter,
    Aggregation DefaultAggregation,
    Aggregation[] Aggregations,
    double? PeakPerNode,
    double? PeakPerDevice,
    string[] Categories,
    Aggregation? NodeRows = null,
    double Scale = 1,
    string? SourceUnit = null,
    string? ScopeTag = null)
{
    /// <summary>Structural equality (records compare arrays by reference).</summary>
    public bool SameAs(MetricDefinition? other) => other is not null &&
        System.Text.Json.JsonSerializer.Serialize(this) == System.Text.Json.JsonSerializer.Serialize(other);
}

public sealed record VirtualPartition(string Name, string Nodes, long? MaxTime, string[] Metrics, Dictionary<string, MetricPeak>? Peaks = null);

/// <summary>A metric's peaks on one kind of node (a partition's or virtual partition's hardware).</summary>
public sealed record MetricPeak(double? PerNode, double? PerDevice);

/// <summary>Partitions are per cluster; an empty cluster matches every cluster. <paramref name="Peaks"/> (metric → peak)
/// override the catalogue's peaks for this partition's nodes (mixed GPU/CPU nodes need different peaks).</summary>
public sealed record PartitionDefinition(string Name, string Cluster, long? MaxTime, string[] Metrics, VirtualPartition[] VirtualPartitions,
    Dictionary<string, MetricPeak>? Peaks = null);

// Catalogue events: one stream (fixed id), so every change is audited in order and the view is one document.
public sealed record MetricDefined(MetricDefinition Metric, string By);
public sealed record MetricRemoved(string Name, string By);
public sealed record PartitionDefined(PartitionDefinition Partition, string By);
public sealed record PartitionRemoved(string Name, string Cluster, string By);
public sealed record CatalogueSettingsChanged(int CollectorIntervalSeconds, double[] Quantiles, string[] RadarMetrics, string By);

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

    public static MetricCatalogue Create(JasperFx.Events.IEvent<MetricDefined> e) => new MetricCatalogue { Id = e.StreamId }.Apply(e.Data);
    public static MetricCatalogue Create(JasperFx.Events.IEvent<PartitionDefined> e) => new MetricCatalogue { Id = e.StreamId }.Apply(e.Data);
    public static MetricCatalogue Create(JasperFx.Events.IEvent<CatalogueSettingsChanged> e) => new MetricCatalogue { Id = e.StreamId }.Apply(e.Data);

    public MetricCatalogue Apply(MetricDefined e) => this with { Metrics = new(Metrics) { [e.Metric.Name] = e.Metric } };

    public MetricCatalogue Apply(MetricRemoved e)
    {
        var metrics = new Dictionary<string, MetricDefinition>(Metrics);
        metrics.Remove(e.Name);
        // References go with the metric (the original left them dangling in virtual partitions).
        var partitions = Partitions.ToDictionary(p => p.Key, p => p.Value with
        {
            Metrics = p.Value.Metrics.Where(m => m != e.Name).ToArray(),
            VirtualPartitions = p.Value.VirtualPartitions.Select(v => v with { Metrics = v.Metrics.Where(m => m != e.Name).ToArray() }).ToArray(),
        });
        return this with { Metrics = metrics, Partitions = partitions, RadarMetrics = RadarMetrics.Where(m => m != e.Name).ToArray() };
    }

    public MetricCatalogue Apply(PartitionDefined e) =>
        this with { Partitions = new(Partitions) { [PartitionKey(e.Partition.Cluster, e.Partition.Name)] = e.Partition } };

    public MetricCatalogue Apply(PartitionRemoved e)
    {
        var partitions = new Dictionary<string, PartitionDefinition>(Partitions);
        partitions.Remove(PartitionKey(e.Cluster, e.Name));
        return this with { Partitions = partitions };
    }

    public MetricCatalogue Apply(CatalogueSettingsChanged e) =>
        this with { CollectorIntervalSeconds = e.CollectorIntervalSeconds, Quantiles = e.Quantiles, RadarMetrics = e.RadarMetrics };

    public PartitionDefinition? PartitionOf(string cluster, string partition) =>
        Partitions.GetValueOrDefault(PartitionKey(cluster, partition)) ?? Partitions.GetValueOrDefault(PartitionKey("", partition));

    /// <summary>The metrics that apply to a job: its virtual partition's (all its nodes inside the node list), else its
    /// partition's (an empty list means none, as in the original), else — for partitions nobody configured — every
    /// metric, so data is never hidden. Peaks are the (virtual) partition's where it names them.</summary>
    public (IReadOnlyList<MetricDefinition> Metrics, string Source, long? MaxTime) MetricsFor(string cluster, string partition, IReadOnlyList<string> nodes)
    {
        var p = PartitionOf(cluster, partition);
        if (p is null) return (Metrics.Values.OrderBy(m => m.Name).ToList(), "all metrics (partition not configured)", null);
        foreach (var v in p.VirtualPartitions)
        {
            try
            {
                var members = Hostlist.Expand(v.Nodes).ToHashSet();
                if (nodes.Count > 0 && nodes.All(members.Contains))
                    return (WithPeaks(v.Metrics, v.Peaks ?? p.Peaks), $"virtual partition {v.Name}", v.MaxTime ?? p.MaxTime);
            }
            catch (FormatException) { /* validated on input; ignore a bad legacy entry */ }
        }
        return (WithPeaks(p.Metrics, p.Peaks), $"partition {p.Name}", p.MaxTime);
    }

    private List<MetricDefinition> WithPeaks(IEnumerable<string> names, Dictionary<string, MetricPeak>? peaks) =>
        names.Where(Metrics.ContainsKey).Select(n => peaks?.GetValueOrDefault(n) is { } peak
            ? Metrics[n] with { PeakPerNode = peak.PerNode ?? Metrics[n].PeakPerNode, PeakPerDevice = peak.PerDevice ?? Metrics[n].PeakPerDevice }
            : Metrics[n]).ToList();
}

public static class CatalogueValidation
{
    private static readonly Regex Name = new("^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$", RegexOptions.Compiled);
    private static readonly Regex TagKey = new("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.Compiled);

    public static Dictionary<string, string[]> Validate(MetricDefinition m)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string f, string msg) { if (!errors.TryGetValue(f, out var l)) errors[f] = l = []; l.Add(msg); }
        if (!Name.IsMatch(m.Name)) Add("name", "must be 1-128 letters, digits or _ . : - (e.g. cpu_load).");
        if (string.IsNullOrWhiteSpace(m.DisplayName) || m.DisplayName.Length > 128) Add("displayName", "is required (at most 128 characters).");
        if (string.IsNullOrWhiteSpace(m.Measurement) || m.Measurement.Length > 256 || m.Measurement.Any(char.IsControl)) Add("measurement", "is required (at most 256 characters, no control characters).");
        if (m.Unit.Length > 32) Add("unit", "must be at most 32 characters.");
        if (m.Filters.Length > 10) Add("filters", "at most 10 tag filters.");
        for (var i = 0; i < m.Filters.Length; i++)
        {
            var f = m.Filters[i];
            if (!TagKey.IsMatch(f.Key)) Add($"filters[{i}].key", "must be a tag name.");
            if (f.Value.Length > 256) Add($"filters[{i}].value", "must be at most 256 characters.");
            if (f.Op == TagOp.Matches)
                try { _ = new Regex(f.Value, RegexOptions.None, TimeSpan.FromMilliseconds(100)); }
                catch (ArgumentException e) { Add($"filters[{i}].value", $"is not a valid regular expression: {e.Message}"); }
            if (f.Key is "hostname" or "time") Add($"filters[{i}].key", "hostname and time are set by Jobmon per job.");
        }
        if (m.Aggregations.Length == 0) Add("aggregations", "must offer at least one aggregation.");
        else if (!m.Aggregations.Contains(m.DefaultAggregation)) Add("defaultAggregation", "must be one of the offered aggregations.");
        if (m.PeakPerNode is <= 0 || m.PeakPerDevice is <= 0) Add("peakPerNode", "peaks must be positive when given.");
        if (!double.IsFinite(m.Scale) || m.Scale <= 0) Add("scale", "must be a positive number (the factor from the collector's unit to the unit).");
        if (m.SourceUnit is { Length: > 32 }) Add("sourceUnit", "must be at most 32 characters.");
        if (m.ScopeTag is { } tag && (tag.Length is 0 or > 64 || tag.Any(char.IsControl))) Add("scopeTag", "must be a type tag value of 1-64 characters.");
        if (m.NodeRows is { } rows && !m.Aggregations.Contains(rows)) Add("nodeRows", "must be one of the offered aggregations.");
        if (m.Categories.Length > 10 || m.Categories.Any(c => c.Length is 0 or > 64)) Add("categories", "at most 10 categories of 1-64 characters.");
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    public static Dictionary<string, string[]> Validate(PartitionDefinition p, MetricCatalogue catalogue)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string f, string msg) { if (!errors.TryGetValue(f, out var l)) errors[f] = l = []; l.Add(msg); }
        if (!Name.IsMatch(p.Name)) Add("name", "must be a partition name.");
        if (p.Cluster.Length > 0 && !StartJobValidator.ClusterName.IsMatch(p.Cluster)) Add("cluster", "must be a cluster name or empty (every cluster).");
        if (p.MaxTime is <= 0) Add("maxTime", "must be a positive number of seconds.");
        foreach (var m in p.Metrics.Where(m => !catalogue.Metrics.ContainsKey(m))) Add("metrics", $"unknown metric '{m}'.");
        void Peaks(string field, Dictionary<string, MetricPeak>? peaks)
        {
            foreach (var (metric, peak) in peaks ?? [])
            {
                if (!catalogue.Metrics.ContainsKey(metric)) Add(field, $"unknown metric '{metric}'.");
                if (peak is null || peak.PerNode is <= 0 || peak.PerDevice is <= 0 || peak.PerNode is null && peak.PerDevice is null)
                    Add($"{field}.{metric}", "needs perNode and/or perDevice, positive.");
            }
        }
        Peaks("peaks", p.Peaks);
        for (var i = 0; i < p.VirtualPartitions.Length; i++)
        {
            var v = p.VirtualPartitions[i];
            if (!Name.IsMatch(v.Name)) Add($"virtualPartitions[{i}].name", "must be a partition name.");
            try { if (Hostlist.Expand(v.Nodes).Count == 0) Add($"virtualPartitions[{i}].nodes", "must name at least one node."); }
            catch (FormatException e) { Add($"virtualPartitions[{i}].nodes", $"is not a valid SLURM hostlist: {e.Message}"); }
            foreach (var m in v.Metrics.Where(m => !catalogue.Metrics.ContainsKey(m))) Add($"virtualPartitions[{i}].metrics", $"unknown metric '{m}'.");
            if (v.MaxTime is <= 0) Add($"virtualPartitions[{i}].maxTime", "must be a positive number of seconds.");
            Peaks($"virtualPartitions[{i}].peaks", v.Peaks);
        }
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }
}

/// <summary>Reads and changes the catalogue. Every change is an event on the catalogue stream (audit) and takes effect at once.</summary>
public sealed class CatalogueStore(IDocumentStore store)
{
    public async Task<MetricCatalogue> LoadAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<MetricCatalogue>(MetricCatalogue.StreamId, ct) ?? new MetricCatalogue { Id = MetricCatalogue.StreamId };
    }

    public async Task AppendAsync(EventContext context, CancellationToken ct, params object[] events)
    {
        await using var session = store.LightweightSession();
        context.ApplyTo(session);
        var stream = await session.Events.FetchForWriting<MetricCatalogue>(MetricCatalogue.StreamId, ct);
        if (stream.Aggregate is null) session.Events.StartStream<MetricCatalogue>(MetricCatalogue.StreamId, events);
        else stream.AppendMany(events);
        await session.SaveChangesAsync(ct);
    }
}
