using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Metrics;

public static class CatalogueValidation
{
    private static readonly Regex Name = new("^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$", RegexOptions.Compiled);
    private static readonly Regex TagKey = new("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.Compiled);

    public static Dictionary<string, string[]> Validate(MetricDefinition m)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string f, string msg) { if (!errors.TryGetValue(f, out var l)) errors[f] = l = []; l.Add(msg); }
        if (!Name.IsMatch(m.Name)) Add("name", "must be 1-128 letters, digits or _ . : - (e.g. cpu_load).");
        if (string.IsNullOrWhiteSpace(m.DisplayName) || m.DisplayName.Length > 128)
            Add("displayName", "is required (at most 128 characters).");
        if (string.IsNullOrWhiteSpace(m.Measurement) || m.Measurement.Length > 256
            || m.Measurement.Any(char.IsControl)) Add("measurement",
            "is required (at most 256 characters, no control characters).");
        if (m.Unit.Length > 32) Add("unit", "must be at most 32 characters.");
        if (m.Filters.Length > 10) Add("filters", "at most 10 tag filters.");
        for (var i = 0; i < m.Filters.Length; i++)
        {
            var f = m.Filters[i];
            if (!TagKey.IsMatch(f.Key)) Add($"filters[{i}].key", "must be a tag name.");
            if (f.Value.Length > 256) Add($"filters[{i}].value", "must be at most 256 characters.");
            if (f.Op == TagOp.Matches)
                try { _ = new Regex(f.Value, RegexOptions.None, TimeSpan.FromMilliseconds(100)); }
                catch (ArgumentException e) { Add($"filters[{i}].value",
                    $"is not a valid regular expression: {e.Message}"); }
            if (f.Key is "hostname" or "time") Add($"filters[{i}].key", "hostname and time are set by Jobmon per job.");
        }
        if (m.Aggregations.Length == 0) Add("aggregations", "must offer at least one aggregation.");
        else if (!m.Aggregations.Contains(m.DefaultAggregation))
            Add("defaultAggregation", "must be one of the offered aggregations.");
        if (m.PeakPerNode is <= 0 || m.PeakPerDevice is <= 0) Add("peakPerNode", "peaks must be positive when given.");
        if (!double.IsFinite(m.Scale) || m.Scale <= 0)
            Add("scale", "must be a positive number (the factor from the collector's unit to the unit).");
        if (m.SourceUnit is { Length: > 32 }) Add("sourceUnit", "must be at most 32 characters.");
        if (m.ScopeTag is { } tag && (tag.Length is 0 or > 64 || tag.Any(char.IsControl)))
            Add("scopeTag", "must be a type tag value of 1-64 characters.");
        if (m.NodeRows is { } rows && !m.Aggregations.Contains(rows))
            Add("nodeRows", "must be one of the offered aggregations.");
        if (m.Categories.Length > 10 || m.Categories.Any(c => c.Length is 0 or > 64))
            Add("categories", "at most 10 categories of 1-64 characters.");
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    public static Dictionary<string, string[]> Validate(PartitionDefinition p, MetricCatalogue catalogue)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string f, string msg) { if (!errors.TryGetValue(f, out var l)) errors[f] = l = []; l.Add(msg); }
        if (!Name.IsMatch(p.Name)) Add("name", "must be a partition name.");
        if (p.Cluster.Length > 0 && !StartJobValidator.ClusterName.IsMatch(p.Cluster))
            Add("cluster", "must be a cluster name or empty (every cluster).");
        if (p.MaxTime is <= 0) Add("maxTime", "must be a positive number of seconds.");
        foreach (var m in p.Metrics.Where(m => !catalogue.Metrics.ContainsKey(m)))
            Add("metrics", $"unknown metric '{m}'.");
        void Peaks(string field, Dictionary<string, MetricPeak>? peaks)
        {
            foreach (var (metric, peak) in peaks ?? [])
            {
                if (!catalogue.Metrics.ContainsKey(metric)) Add(field, $"unknown metric '{metric}'.");
                if (peak is null || peak.PerNode is <= 0 || peak.PerDevice is <= 0 || peak.PerNode is null
                    && peak.PerDevice is null)
                    Add($"{field}.{metric}", "needs perNode and/or perDevice, positive.");
            }
        }
        Peaks("peaks", p.Peaks);
        for (var i = 0; i < p.VirtualPartitions.Length; i++)
        {
            var v = p.VirtualPartitions[i];
            if (!Name.IsMatch(v.Name)) Add($"virtualPartitions[{i}].name", "must be a partition name.");
            try { if (Hostlist.Expand(v.Nodes).Count == 0) Add($"virtualPartitions[{i}].nodes",
                "must name at least one node."); }
            catch (FormatException e) { Add($"virtualPartitions[{i}].nodes",
                $"is not a valid SLURM hostlist: {e.Message}"); }
            foreach (var m in v.Metrics.Where(m => !catalogue.Metrics.ContainsKey(m)))
                Add($"virtualPartitions[{i}].metrics", $"unknown metric '{m}'.");
            if (v.MaxTime is <= 0) Add($"virtualPartitions[{i}].maxTime", "must be a positive number of seconds.");
            Peaks($"virtualPartitions[{i}].peaks", v.Peaks);
        }
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }
}
