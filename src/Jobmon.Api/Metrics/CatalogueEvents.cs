using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Metrics;

// Catalogue events: one stream (fixed id), so every change is audited in order and the view is one document.
public sealed record MetricDefined(MetricDefinition Metric, string By);

public sealed record MetricRemoved(string Name, string By);

public sealed record PartitionDefined(PartitionDefinition Partition, string By);

public sealed record PartitionRemoved(string Name, string Cluster, string By);

public sealed record CatalogueSettingsChanged(int CollectorIntervalSeconds, double[] Quantiles, string[] RadarMetrics,
    string By);
