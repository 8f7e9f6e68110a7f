using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Marten;
using Wolverine;

namespace Jobmon.Metrics;

/// <summary>What a viewer looks at: the job page's parameters (node, aggregation, interval, metrics); viewers of the
/// same view share a feed.</summary>
public sealed record LiveView(Guid JobId, string? Node, Aggregation? Aggregation, long? Interval, string? Metrics,
    bool PerNode = false)
{
    public JobMetricsRequest Request(DateTimeOffset? since) =>
        new(Metrics?.Split(','), Node, Aggregation, Interval, Quantiles: false, Since: since, PerNode: PerNode);
}
