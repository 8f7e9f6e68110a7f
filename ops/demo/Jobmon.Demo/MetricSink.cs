using System.Net;
using Jobmon.Influx;

namespace Jobmon.Demo;

/// <summary>
/// Writes batches of line protocol to InfluxDB in order. When InfluxDB is down or overloaded the batches stay buffered
/// (like cc-metric-collector's sink, bounded: the oldest are dropped beyond <see cref="MaxBufferedPoints"/>) and are
/// sent once it answers again; batches InfluxDB rejects as malformed are reported and dropped.
/// </summary>
public sealed class MetricSink(InfluxClient influx, Log log)
{
    public const int MaxBufferedPoints = 2_000_000;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);
    private readonly LinkedList<(string Lines, int Points)> _batches = new();
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;
    private TimeSpan _backoff = TimeSpan.FromSeconds(2);
    private DateTimeOffset _lastComplaint = DateTimeOffset.MinValue;
    private bool _failing;

    public int BufferedPoints { get; private set; }
    public long WrittenPoints { get; private set; }
    public long DroppedPoints { get; private set; }

    public void Add(LineProtocolWriter batch)
    {
        if (batch.PointCount == 0) return;
        _batches.AddLast((batch.ToString(), batch.PointCount));
        BufferedPoints += batch.PointCount;
        while (BufferedPoints > MaxBufferedPoints && _batches.First is { } oldest)
        {
            _batches.RemoveFirst();
            BufferedPoints -= oldest.Value.Points;
            DroppedPoints += oldest.Value.Points;
            if (DroppedPoints == oldest.Value.Points) log.Warn($"InfluxDB buffer full ({MaxBufferedPoints:N0} points): dropping the oldest metrics");
        }
    }

    /// <summary>Writes buffered batches until done or InfluxDB fails. Returns true when the buffer is empty.</summary>
    public async Task<bool> FlushAsync(CancellationToken ct, bool ignoreBackoff = false)
    {
        if (_batches.Count == 0) return true;
        if (!ignoreBackoff && DateTimeOffset.UtcNow < _retryAt) return false;
        while (_batches.First is { } first && !ct.IsCancellationRequested)
        {
            try
            {
                await influx.WriteAsync(first.Value.Lines, WritePrecision.Nanoseconds, ct);
                _batches.RemoveFirst();
                BufferedPoints -= first.Value.Points;
                WrittenPoints += first.Value.Points;
                if (_failing)
                {
                    log.Info("InfluxDB answers again; writing the buffered metrics");
                    _failing = false;
                    _backoff = TimeSpan.FromSeconds(2);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return false;
            }
            catch (InfluxWriteException e) when (e.StatusCode is HttpStatusCode.NotFound
                                                 || e.ServerMessage.Contains("database not found", StringComparison.OrdinalIgnoreCase))
            {
                // Someone dropped the database under us (or it was never created): create it and try again.
                Fail($"InfluxDB: {e.Message}");
                await EnsureDatabaseAsync(influx, log, ct, wait: false);
                return false;
            }
            catch (InfluxWriteException e) when (e.StatusCode is >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError
                                                 and not HttpStatusCode.Unauthorized and not HttpStatusCode.Forbidden
                                                 and not HttpStatusCode.RequestTimeout and not HttpStatusCode.TooManyRequests)
            {
                _batches.RemoveFirst();
                BufferedPoints -= first.Value.Points;
                DroppedPoints += first.Value.Points;
                log.Warn($"InfluxDB rejected {first.Value.Points} points: {e.Message}; dropped");
            }
            catch (InfluxException e)
            {
                Fail($"InfluxDB: {e.Message}");
                return false;
            }
        }

        return _batches.Count == 0;
    }

    private void Fail(string message)
    {
        _retryAt = DateTimeOffset.UtcNow + _backoff;
        if (!_failing || DateTimeOffset.UtcNow - _lastComplaint > TimeSpan.FromMinutes(1))
        {
            log.Warn($"{message} — {BufferedPoints:N0} points buffered, retrying in {_backoff.TotalSeconds:0} s");
            _lastComplaint = DateTimeOffset.UtcNow;
        }

        _failing = true;
        _backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, _backoff.Ticks * 2));
    }

    /// <summary>Time of the newest <c>load_one</c> point of <paramref name="cluster"/> since <paramref name="since"/>; null when none (or on error).</summary>
    public static async Task<DateTimeOffset?> LatestSampleAsync(InfluxClient influx, string cluster, DateTimeOffset since, CancellationToken ct)
    {
        try
        {
            var result = await influx.QueryAsync(
                $"SELECT last(\"value\") FROM \"load_one\" WHERE {InfluxQl.TagEquals("cluster", cluster)} AND time >= {InfluxQl.TimeLiteral(since)}", ct);
            var series = result.Series.FirstOrDefault();
            return series is { Rows.Count: > 0 } ? series.GetTime(0) : null;
        }
        catch (InfluxException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>CREATE DATABASE</c> (idempotent on InfluxDB 1.x). On 2.x the v1 API refuses it: the bucket (with its DBRP
    /// mapping) must exist, so a refusal is reported and ignored. With <paramref name="wait"/>, waits while InfluxDB is
    /// unreachable. Returns false only when cancelled.
    /// </summary>
    public static async Task<bool> EnsureDatabaseAsync(InfluxClient influx, Log log, CancellationToken ct, bool wait = true)
    {
        var delay = TimeSpan.FromSeconds(2);
        var complained = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await influx.QueryAsync($"CREATE DATABASE {InfluxQl.Identifier(influx.Database)}", ct);
                if (complained) log.Info("InfluxDB answers");
                return true;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return false;
            }
            catch (InfluxQueryException e)
            {
                log.Info($"InfluxDB did not create database '{influx.Database}' ({e.ServerMessage}); assuming it exists (InfluxDB 2.x: bucket with a DBRP mapping)");
                return true;
            }
            catch (InfluxException e)
            {
                if (!wait) return true;
                if (!complained) log.Warn($"waiting for InfluxDB: {e.Message}");
                complained = true;
                try
                {
                    await Task.Delay(delay, ct);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, delay.Ticks * 2));
            }
        }

        return false;
    }
}
