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

/// <summary>InfluxDB in the readiness report: degraded, never failing (ingestion and job lists do not need
/// it).</summary>
public sealed class InfluxReadiness(IServiceProvider services) : IReadinessProbe
{
    public string Name => "influxdb";
    public async Task<object> CheckAsync(CancellationToken ct)
    {
        if (services.GetService<InfluxClient>() is not { } influx) return new { status = "not configured" };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            var ping = await influx.PingAsync(timeout.Token);
            return new { status = "ok", version = ping.Version, latencyMs = ping.Latency.TotalMilliseconds };
        }
        catch (Exception e) { return new { status = "down", error = e.Message }; }
    }
}
