using System.Diagnostics;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

/// <summary>Joins a job (from the read model) with its metric data in InfluxDB: one HTTP request with one statement per
/// metric, built by <see cref="MetricQueries"/>; quantile bands and statistics are computed here from the per-node
/// series.</summary>
public sealed class JobMetricsService(IServiceProvider services, CatalogueStore catalogue, JobmonTelemetry telemetry,
    TimeProvider clock,
    JobMetricsSettings settings)
{
    public bool IsConfigured => services.GetService<InfluxClient>() is not null;

    public InfluxClient Influx => services.GetService<InfluxClient>()
        ?? throw new MetricsUnavailableException("InfluxDB is not configured (set JOBMON_INFLUXDB or DBHost).");

    public static (DateTimeOffset From, DateTimeOffset To)? WindowOf(JobView job, DateTimeOffset now) =>
        job.StartTime is { } start ? (start, job.StopTime ?? now) : null;

    /// <summary>The aggregation a view uses: the requested one when the metric offers it, else the metric's
    /// default.</summary>
    public static Aggregation AggregationFor(MetricDefinition m, Aggregation? requested) =>
        requested is { } a && m.Aggregations.Contains(a) ? a : m.DefaultAggregation;

    /// <summary>Whether a request shows the metric's devices (one node asked for and not a node metric).</summary>
    public static bool ShowsDevices(MetricDefinition m, JobMetricsRequest request) => request.Node is not null
        && m.Scope != MetricScope.Node;

    public async Task<JobMetricsView> QueryAsync(JobView job, JobMetricsRequest request, CancellationToken ct)
    {
        var c = await catalogue.LoadAsync(ct);
        var now = clock.GetUtcNow();
        if (WindowOf(job, now) is not var (start, to))
            throw new ArgumentException("the job's start is unknown, so it has no metric window.");
        if (to <= start) to = start.AddSeconds(1);
        var (available, source, _) = c.MetricsFor(job.Cluster, job.Partition, job.Nodes);
        var wanted = request.Metrics is { Length: > 0 } names ? available.Where(m => names.Contains(m.Name)).ToList()
            : available.ToList();
        var duration = to - start;
        var intervals = MetricQueries.IntervalChoices(duration, c.CollectorIntervalSeconds);
        var interval = request.Interval ?? SampleInterval.ChooseSeconds(duration, c.CollectorIntervalSeconds);
        var from = start;
        if (request.Since is { } since && since > start)
        {
            // Live: from the start of the job's window that holds `since` (at most the last one), so the windows are
            // exactly the ones the full view has.
            var windows = Math.Floor(((since < to ? since : to) - start).TotalSeconds / interval);
            from = start.AddSeconds(windows * interval);
        }
        var hosts = request.Node is { } node ? new[] { node } : job.Nodes;
        var huge = NodeBands.Huge(job, request, settings);

        var statements = wanted.Select(m => ShowsDevices(m, request)
            ? MetricQueries.PerDevice(m, hosts, from, to, interval)
            : huge ? MetricQueries.Band(m, hosts, from, to, interval, AggregationFor(m, request.Aggregation),
                request.Quantiles ? c.Quantiles : [])
            : MetricQueries.PerNode(m, hosts, from, to, interval, AggregationFor(m, request.Aggregation))).ToList();
        var results = statements.Count == 0 ? null : await RunAsync(string.Join(";\n", statements), ct);
        var views = new List<MetricView>();
        var errors = new List<MetricError>();
        for (var i = 0; i < wanted.Count; i++)
        {
            var m = wanted[i];
            var devices = ShowsDevices(m, request);
            var series = new List<SeriesData>();
            QuantileBands? bands = null;
            var statement = results!.Results.FirstOrDefault(r => r.StatementId == i);
            NodeBand? band = null;
            if (statement?.Messages.FirstOrDefault(x => x.Level == "error") is { } error)
                errors.Add(new MetricError(m.Name, error.Text));
            else if (huge)
                (band, bands) = statement?.Series.FirstOrDefault() is { } s
                    ? HugeBand(s, hosts.Length, m.Scale, request.Quantiles ? c.Quantiles : [])
                    : (new NodeBand(hosts.Length, [], [], [], [], []), null);
            else if (statement is not null)
            {
                series.AddRange(statement.Series.Select(s => ToSeries(s, devices, m.Scale))
                    .OrderBy(s => s.Label, NaturalOrder.Instance));
                if (!devices && request.Quantiles && hosts.Length > 1)
                    bands = MetricStatisticsCalculator.Bands(series, c.Quantiles);
            }
            var peak = devices ? m.PeakPerDevice : m.PeakPerNode;
            views.Add(new MetricView(m.Name, m.DisplayName, m.Unit, m.Scope, m.Categories,
                AggregationFor(m, request.Aggregation),
                m.Aggregations, peak, series, bands) { Band = band });
        }
        return new JobMetricsView(job.Id, from, to, interval, intervals, request.Node, source, "influxdb", views,
            errors);
    }

    private static (NodeBand, QuantileBands?) HugeBand(InfluxSeries s, int nodes, double scale,
        IReadOnlyList<double> quantiles)
    {
        var times = s.GetPoints("min").Select(p => p.Time.ToUnixTimeMilliseconds()).ToArray();
        double?[] Column(string name) => s.GetPoints(name).Select(p => p.Value * scale).ToArray();
        var band = new NodeBand(nodes, times, Column("min"), Column("median"), Column("max"), []);
        return (band, quantiles.Count == 0 ? null
            : new QuantileBands(times, quantiles.ToDictionary(MetricQueries.QuantileName,
                q => Column(MetricQueries.QuantileName(q)))));
    }

    public async Task<InfluxQueryResult> RunAsync(string influxQl, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        try { return await Influx.QueryAsync(influxQl, ct); }
        // 503 "unreachable" only when the connection failed; a query InfluxDB did not finish in time is a 504 that
        // suggests a narrower view, and one it refused is a 422 naming its reason.
        catch (InfluxUnavailableException e) when (e.IsTimeout)
        {
            throw new MetricsUnavailableException("InfluxDB did not answer in time; ask for fewer metrics, one node " +
                "(?node=) " +
                "or a coarser interval.", e, 504);
        }
        catch (InfluxUnavailableException e) { throw new MetricsUnavailableException("InfluxDB is unreachable " +
            $"({e.Message}).", e); }
        catch (InfluxQueryException e) when (e.StatementId is null)
        {
            throw new MetricsUnavailableException($"InfluxDB rejected the query: {e.ServerMessage}", e, 422);
        }
        // Anything else on the way (a broken connection mid-answer, an open circuit breaker, a garbled answer) is an
        // outage too: callers answer 503 and the job-end work is retried.
        catch (Exception e) when (e is not MetricsUnavailableException
            && !(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            throw new MetricsUnavailableException($"InfluxDB is unavailable ({e.GetType().Name}: {e.Message}).", e);
        }
        finally { telemetry.InfluxQueryDuration.Record(sw.Elapsed.TotalMilliseconds); }
    }

    /// <summary>Device label: the type and its id first, then any other tag (ibstat's device and port); never hostname,
    /// cluster, unit.</summary>
    public static string DeviceLabel(IReadOnlyDictionary<string, string> tags) =>
        string.Join(" ", tags.Where(t => t.Key is not ("hostname" or "cluster" or "unit") && t.Value.Length > 0)
            .OrderBy(t => t.Key switch { "type" => 0, "type-id" => 1, _ => 2 })
                .ThenBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Value)) is { Length: > 0 } l ? l : "value";

    private static SeriesData ToSeries(InfluxSeries s, bool perDevice, double scale)
    {
        var label = perDevice ? DeviceLabel(s.Tags) : s.Tags.GetValueOrDefault("hostname") ?? "?";
        var points = s.GetPoints("value");
        return new SeriesData(label, points.Select(p => p.Time.ToUnixTimeMilliseconds()).ToArray(),
            points.Select(p => p.Value * scale).ToArray());
    }
}
