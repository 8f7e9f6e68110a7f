using System.Diagnostics.Metrics;

namespace Jobmon.Infrastructure;


/// <summary>Jobmon's own telemetry (Prometheus at /metrics; not the jobs' node metrics, which are Metrics/): ingestion
/// rate and latency, projection lag, InfluxDB latency, errors.</summary>
public sealed class JobmonTelemetry : IDisposable
{
    public const string MeterName = "Jobmon";
    private readonly Meter _meter = new(MeterName);
    public Counter<long> Ingested { get; }
    public Histogram<double> IngestDuration { get; }
    public Histogram<double> InfluxQueryDuration { get; }
    public Counter<long> Errors { get; }
    private volatile IReadOnlyDictionary<string, long> _lag = new Dictionary<string, long>();
    private volatile IReadOnlyList<ShardHealth> _shards = [];

    public JobmonTelemetry()
    {
        Ingested = _meter.CreateCounter<long>("jobmon_ingest_requests",
            description: "Ingestion requests by operation and outcome");
        IngestDuration = _meter.CreateHistogram<double>("jobmon_ingest_duration", unit: "ms",
            description: "Ingestion latency until the commit");
        InfluxQueryDuration = _meter.CreateHistogram<double>("jobmon_influx_query_duration", unit: "ms",
            description: "InfluxDB query latency");
        Errors = _meter.CreateCounter<long>("jobmon_errors", description: "Unexpected server errors");
        _meter.CreateObservableGauge("jobmon_projection_lag_events", () =>
            _shards.Select(s => new Measurement<long>(s.Behind, new KeyValuePair<string, object?>("shard", s.Shard))),
            description: "Events between the high-water mark and each async projection shard");
        _meter.CreateObservableGauge("jobmon_projection_stalled", () =>
            _shards.Select(s => new Measurement<int>(s.Stalled ? 1 : 0, new KeyValuePair<string,
                object?>("shard", s.Shard))),
            description: "1 while an async projection shard is behind and has not moved for the stall period");
    }

    public void SetShards(IReadOnlyList<ShardHealth> shards)
    {
        _shards = shards;
        _lag = shards.GroupBy(s => s.Shard.Split(':')[0]).ToDictionary(g => g.Key, g => g.Max(s => s.Behind));
    }

    public IReadOnlyDictionary<string, long> Lag => _lag;
    public IReadOnlyList<ShardHealth> Shards => _shards;
    public void Dispose() => _meter.Dispose();
}
