using System.Diagnostics;
using Jobmon.Influx;
using Jobmon.Jobs;
using Jobmon.Operations;

namespace Jobmon.Metrics;

public sealed record SeriesData(string Label, long[] Times, double?[] Values);
public sealed record QuantileBands(long[] Times, Dictionary<string, double?[]> Bands);
public sealed record MetricView(string Name, string DisplayName, string Unit, MetricScope Scope, string[] Categories, Aggregation Aggregation,
    Aggregation[] Aggregations, double? Peak, IReadOnlyList<SeriesData> Series, QuantileBands? Quantiles)
{
    /// <summary>Instead of one line per node (big running jobs): min/median/max across nodes; Series then holds the outliers.</summary>
    public NodeBand? Band { get; init; }
}
public sealed record MetricError(string Metric, string Message);
public sealed record JobMetricsView(Guid JobId, DateTimeOffset From, DateTimeOffset To, long Interval, long[] Intervals, string? Node,
    string MetricSource, string Source, IReadOnlyList<MetricView> Metrics, IReadOnlyList<MetricError> Errors);

public sealed record JobMetricsRequest(string[]? Metrics, string? Node, Aggregation? Aggregation, long? Interval, bool Quantiles = true, bool PerNode = false);

/// <summary>Thrown when InfluxDB is not configured or cannot be reached; endpoints answer 503 with the reason.</summary>
public sealed class MetricsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Joins a job (from the read model) with its metric data in InfluxDB: one HTTP request with one statement per metric.</summary>
public sealed class JobMetricsService(IServiceProvider services, CatalogueStore catalogue, JobmonMetrics telemetry, TimeProvider clock)
{
    public bool IsConfigured => services.GetService<InfluxClient>() is not null;

    public InfluxClient Influx => services.GetService<InfluxClient>() ?? throw new MetricsUnavailableException("InfluxDB is not configured (set JOBMON_INFLUXDB or DBHost).");

    public static (DateTimeOffset From, DateTimeOffset To)? WindowOf(JobView job, DateTimeOffset now) =>
        job.StartTime is { } start ? (start, job.StopTime ?? now) : null;

    public async Task<JobMetricsView> QueryAsync(JobView job, JobMetricsRequest request, CancellationToken ct)
    {
        var c = await catalogue.LoadAsync(ct);
        var now = clock.GetUtcNow();
        if (WindowOf(job, now) is not var (from, to)) throw new ArgumentException("the job's start is unknown, so it has no metric window.");
        if (to <= from) to = from.AddSeconds(1);
        var (available, source, _) = c.MetricsFor(job.Cluster, job.Partition, job.Nodes);
        var wanted = request.Metrics is { Length: > 0 } names ? available.Where(m => names.Contains(m.Name)).ToList() : available.ToList();
        var duration = to - from;
        var intervals = MetricQueries.IntervalChoices(duration, c.CollectorIntervalSeconds);
        var interval = request.Interval ?? SampleInterval.ChooseSeconds(duration, c.CollectorIntervalSeconds);
        var hosts = request.Node is { } node ? new[] { node } : job.Nodes;

        var statements = new List<(MetricDefinition Metric, string Kind, string Query)>();
        foreach (var m in wanted)
        {
            var agg = request.Aggregation is { } a && m.Aggregations.Contains(a) ? a : m.DefaultAggregation;
            if (request.Node is not null && m.Scope != MetricScope.Node)
                statements.Add((m, "devices", MetricQueries.PerDevice(m, hosts, from, to, interval)));
            else
            {
                statements.Add((m, "nodes", MetricQueries.PerNode(m, hosts, from, to, interval, agg)));
                if (request.Quantiles && hosts.Length > 1)
                    statements.Add((m, "quantiles", MetricQueries.Quantiles(m, hosts, from, to, interval, agg, c.Quantiles)));
            }
        }

        var results = statements.Count == 0 ? null : await RunAsync(string.Join(";\n", statements.Select(s => s.Query)), ct);
        var views = new List<MetricView>();
        var errors = new List<MetricError>();
        foreach (var m in wanted)
        {
            var agg = request.Aggregation is { } a && m.Aggregations.Contains(a) ? a : m.DefaultAggregation;
            var series = new List<SeriesData>();
            QuantileBands? bands = null;
            for (var i = 0; i < statements.Count; i++)
            {
                if (statements[i].Metric != m) continue;
                var statement = results!.Results.FirstOrDefault(r => r.StatementId == i);
                if (statement is null) continue;
                if (statement.Messages.FirstOrDefault(x => x.Level == "error") is { } error) { errors.Add(new MetricError(m.Name, error.Text)); continue; }
                if (statements[i].Kind == "quantiles") bands = ToBands(statement, c.Quantiles);
                else series.AddRange(statement.Series.Select(s => ToSeries(s, statements[i].Kind == "devices")).OrderBy(s => s.Label, StringComparer.Ordinal));
            }
            var peak = request.Node is not null && m.Scope != MetricScope.Node ? m.PeakPerDevice : m.PeakPerNode;
            views.Add(new MetricView(m.Name, m.DisplayName, m.Unit, m.Scope, m.Categories, agg, m.Aggregations, peak, series, bands));
        }
        return new JobMetricsView(job.Id, from, to, interval, intervals, request.Node, source, "influxdb", views, errors);
    }

    public async Task<InfluxQueryResult> RunAsync(string influxQl, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        try { return await Influx.QueryAsync(influxQl, ct); }
        catch (InfluxUnavailableException e) { throw new MetricsUnavailableException($"InfluxDB is unreachable ({(e.IsTimeout ? "timeout" : e.Message)}).", e); }
        catch (InfluxQueryException e) when (e.StatementId is null) { throw new MetricsUnavailableException($"InfluxDB rejected the query: {e.ServerMessage}", e); }
        // Anything else on the way (a broken connection mid-answer, an open circuit breaker, a garbled answer) is an
        // outage too: callers answer 503 and the job-end work is retried.
        catch (Exception e) when (e is not MetricsUnavailableException && !(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            throw new MetricsUnavailableException($"InfluxDB is unavailable ({e.GetType().Name}: {e.Message}).", e);
        }
        finally { telemetry.InfluxQueryDuration.Record(sw.Elapsed.TotalMilliseconds); }
    }

    private static SeriesData ToSeries(InfluxSeries s, bool perDevice)
    {
        var label = perDevice
            ? string.Join(" ", s.Tags.Where(t => t.Key is not ("hostname" or "cluster" or "unit") && t.Value.Length > 0).OrderBy(t => t.Key == "type" ? 0 : 1).Select(t => t.Value)) is { Length: > 0 } l ? l : "value"
            : s.Tags.GetValueOrDefault("hostname") ?? "?";
        var points = s.GetPoints("value");
        return new SeriesData(label, points.Select(p => p.Time.ToUnixTimeMilliseconds()).ToArray(), points.Select(p => p.Value).ToArray());
    }

    private static QuantileBands? ToBands(InfluxStatementResult statement, IReadOnlyList<double> quantiles)
    {
        var s = statement.Series.FirstOrDefault();
        if (s is null) return null;
        var times = Enumerable.Range(0, s.Rows.Count).Select(r => s.GetTime(r).ToUnixTimeMilliseconds()).ToArray();
        return new QuantileBands(times, quantiles.ToDictionary(MetricQueries.QuantileName,
            q => Enumerable.Range(0, s.Rows.Count).Select(r => s.GetDouble(r, MetricQueries.QuantileName(q))).ToArray()));
    }
}
