using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Metrics;

public sealed record VirtualPartition(string Name, string Nodes, long? MaxTime, string[] Metrics, Dictionary<string,
    MetricPeak>? Peaks = null);
