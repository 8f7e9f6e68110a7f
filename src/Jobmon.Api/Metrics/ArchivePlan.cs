using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

/// <summary>Which intervals the archive holds and the InfluxQL that fills it.</summary>
public static class ArchivePlan
{
    /// <summary>The default view's interval and the finest archived one: the smallest offered interval that divides the
    /// default and is at most 5 times finer (24 h: 600 s and 120 s, so 120, 600, 1200, 1800 s … come from the
    /// archive).</summary>
    public static (long Interval, long Fine) Levels(TimeSpan duration, int collectorInterval)
    {
        var interval = SampleInterval.ChooseSeconds(duration, collectorInterval);
        var fine = MetricQueries.IntervalChoices(duration, collectorInterval).Append(collectorInterval)
            .Where(c => c >= collectorInterval && c <= interval && interval % c == 0 && interval / c <= 5)
                .DefaultIfEmpty(interval).Min();
        return (interval, fine);
    }

    public static bool ArchivesDevices(MetricDefinition m, IReadOnlyCollection<MetricScope> deviceScopes)
        => m.Scope != MetricScope.Node && deviceScopes.Contains(m.Scope);

    /// <summary>One InfluxDB request per metric (each within the client's timeout): its per-node series at the fine
    /// interval and, when devices are archived, its per-device series at the default interval.</summary>
    public static IEnumerable<(MetricDefinition Metric, string PerNode, string? PerDevice)> Statements(
        IEnumerable<MetricDefinition> metrics, IReadOnlyCollection<string> hosts,
        DateTimeOffset from, DateTimeOffset to, long interval, long fine,
            IReadOnlyCollection<MetricScope> deviceScopes) =>
        metrics.Select(m => (m, MetricQueries.PerNode(m, hosts, from, to, fine, m.DefaultAggregation),
            ArchivesDevices(m, deviceScopes) ? MetricQueries.PerDevice(m, hosts, from, to, interval) : null));
}
