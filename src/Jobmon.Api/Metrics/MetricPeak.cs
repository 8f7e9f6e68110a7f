using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Metrics;

/// <summary>A metric's peaks on one kind of node (a partition's or virtual partition's hardware).</summary>
public sealed record MetricPeak(double? PerNode, double? PerDevice);
