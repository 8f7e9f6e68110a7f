using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

/// <summary>One metric in the archive: per-node series at the fine interval (devices combined with the metric's default
/// aggregation) and, for scopes with few devices, each node's per-device series at the default interval.</summary>
public sealed record ArchivedMetric(string Name, Aggregation Aggregation, SeriesGrid Nodes, Dictionary<string,
    SeriesGrid> Devices);
