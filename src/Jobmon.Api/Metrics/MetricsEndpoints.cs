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


public static class MetricsEndpoints
{
    public static IEndpointRouteBuilder MapJobMetrics(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs/{id:guid}").RequireAuthorization(Policies.Reader).WithTags("Metrics");
        jobs.MapGet("/metrics", Get)
            .WithSummary("Metric series for the job's own time window: one per node (devices aggregated), per device " +
            "with ?node=, quantile bands.");
        jobs.MapGet("/metrics.csv", Csv)
            .WithSummary("Export as CSV: the displayed series, or ?raw=true for the raw samples.");
        jobs.MapGet("/live", Live)
            .WithSummary("Server-Sent Events with new points of a running job (one InfluxDB query per job and tick, " +
            "shared by all viewers).");
        return app;
    }

    private static (JobMetricsRequest? Request, IResult? Problem) Parse(HttpContext http, JobView job)
    {
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        var metrics = q["metrics"].ToString() is { Length: > 0 } m
            ? m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
        if (metrics?.Length > 100) errors["metrics"] = ["at most 100 metrics."];
        var node = q["node"].ToString() is { Length: > 0 } n ? n : null;
        if (node is not null && !job.Nodes.Contains(node))
            errors["node"] = [$"'{node}' is not one of the job's nodes."];
        Aggregation? aggregation = null;
        if (q["aggregation"].ToString() is { Length: > 0 } a)
        {
            if (Enum.TryParse<Aggregation>(a, true, out var parsed) && !int.TryParse(a, out _)) aggregation = parsed;
            else errors["aggregation"] = ["must be sum, mean, min or max."];
        }
        long? interval = null;
        if (q["interval"].ToString() is { Length: > 0 } i)
        {
            if (long.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out var secs)
                && secs is >= 1 and <= 86400 * 7) interval = secs;
            else errors["interval"] = ["must be a number of seconds between 1 and 604800."];
        }
        var perNode = false;
        if (q["perNode"].ToString() is { Length: > 0 } pn && !bool.TryParse(pn, out perNode))
            errors["perNode"] = ["must be true or false."];
        if (job.StartTime is null) errors["id"] = ["the job's start is unknown, so it has no metric window."];
        return errors.Count > 0 ? (null, Problems.Validation(errors))
            : (new JobMetricsRequest(metrics, node, aggregation, interval, PerNode: perNode), null);
    }

    private static async Task<JobView?> LoadAsync(Guid id, HttpContext http, IQuerySession session,
        CancellationToken ct)
    {
        var job = await session.LoadAsync<JobView>(id, ct);
        return job is not null && JobQueries.MayRead(http, job) ? job : null;
    }

    private static IResult Unavailable(MetricsUnavailableException e) => Results.Problem(statusCode: e.Status,
        title: e.Status == 503 ? "Metrics unavailable" : "Metrics query not answered", detail: e.Message);

    /// <summary>Huge jobs are bands only: every node's line would be gigabytes.</summary>
    private static IResult? RefusePerNode(JobView job, JobMetricsRequest request, JobMetricsSettings settings) =>
        request.PerNode && NodeBands.Huge(job, request, settings)
            ? Problems.Validation("perNode", $"a job on more than {settings.HugeAboveNodes} nodes is shown as a band " +
                "across its nodes; ask for one node's lines with ?node=.")
            : null;

    private static async Task<IResult> Get(Guid id, HttpContext http, IQuerySession session, JobMetricsService metrics,
        CatalogueStore catalogue,
        JobMetricsSettings settings, TimeProvider clock, CancellationToken ct)
    {
        if (await LoadAsync(id, http, session, ct) is not { } job)
            return Problems.NotFound($"job {id} does not exist or is not yours.");
        var (request, problem) = Parse(http, job);
        if (request is null) return problem!;
        if (RefusePerNode(job, request, settings) is { } refused) return refused;
        var c = await catalogue.LoadAsync(ct);
        // Finished jobs: the archive written at job end answers whatever it holds; InfluxDB only for finer detail.
        var archive = job.State == JobState.Running ? null : await session.LoadAsync<JobMetricArchive>(id, ct);
        var content = archive?.Covers(job) == true ? ArchiveContent.Decompress(archive.Compressed) : null;
        if (content is not null && ArchiveViews.TryServe(content, job, request, c) is { } fromArchive)
            return Results.Ok(fromArchive);
        try
        {
            var band = NodeBands.Applies(job, request, settings);
            // Running jobs: the periodic snapshot (RunningStatistics) plus InfluxDB for the minutes since.
            if (job.State == JobState.Running && !NodeBands.Huge(job, request, settings)
                && await RunningViewAsync(job, request, band, session, metrics, c, clock,
                ct) is { } running) return Results.Ok(running);
            // A band needs only the per-node series: its quantiles are computed here, not by a second InfluxDB scan.
            var view = await metrics.QueryAsync(job, band ? request with { Quantiles = false } : request, ct);
            if (band) view = view with { Metrics = view.Metrics.Select(
                m => NodeBands.Condense(m, c.Quantiles, request.Quantiles)).ToList() };
            // InfluxDB's retention removed the data: the archive taken at job end still has it.
            if (job.State != JobState.Running && view.Metrics.All(m => m.Series.Count == 0)
                && ArchivedFallback(archive, content, job, request, c) is { } old)
                return Results.Ok(old);
            return Results.Ok(view);
        }
        catch (MetricsUnavailableException e)
        {
            if (job.State != JobState.Running && ArchivedFallback(archive, content, job, request, c) is { } old)
                return Results.Ok(old);
            return Unavailable(e);
        }
    }

    private static async Task<JobMetricsView?> RunningViewAsync(JobView job, JobMetricsRequest request, bool band,
        IQuerySession session, JobMetricsService metrics,
        MetricCatalogue c, TimeProvider clock, CancellationToken ct)
    {
        if (await session.LoadAsync<JobMetricArchive>(job.Id,
            ct) is not { Format: JobMetricArchive.CurrentFormat } snapshot) return null;
        var (defs, _, _) = c.MetricsFor(job.Cluster, job.Partition, job.Nodes);
        var wanted = request.Metrics is { Length: > 0 } names ? defs.Where(m => names.Contains(m.Name)).ToList()
            : defs.ToList();
        var before = ArchiveContent.Decompress(snapshot.Compressed);
        if (before.From.ToUnixTimeMilliseconds() != job.StartTime?.ToUnixTimeMilliseconds() || wanted.Count == 0)
            return null;
        if (await JobArchiving.ExtendAsync(metrics, wanted, job.Nodes, before
            with { Metrics = before.Metrics.Where(m => wanted.Any(w => w.Name == m.Name)).ToList() },
                clock.GetUtcNow(), c.CollectorIntervalSeconds, ct) is not { } now) return null;
        var view = ArchiveViews.TryServe(now, job, band ? request with { Quantiles = false } : request, c);
        if (view is null) return null;
        view = view with { Source = "archive+influxdb" };
        return band ? view with { Metrics = view.Metrics.Select(
            m => NodeBands.Condense(m, c.Quantiles, request.Quantiles)).ToList() } : view;
    }

    /// <summary>The archive's nearest view when InfluxDB cannot give the one asked for (down, or data past retention):
    /// its default interval and aggregation.</summary>
    private static JobMetricsView? ArchivedFallback(JobMetricArchive? archive, ArchiveContent? content, JobView job,
        JobMetricsRequest request, MetricCatalogue c)
    {
        if (archive is null) return null;
        if (archive.Format == 0) return request.Node is null ? archive.ReadLegacy() : null;
        content ??= ArchiveContent.Decompress(archive.Compressed);
        return ArchiveViews.TryServe(content, job, request with { Interval = null, Aggregation = null }, c)
               ?? ArchiveViews.TryServe(content, job, request
                   with { Interval = null, Aggregation = null, Node = null }, c);
    }

    private static async Task<IResult> Csv(Guid id, HttpContext http, IQuerySession session, JobMetricsService metrics,
        CatalogueStore catalogue,
        JobMetricsSettings settings, TimeProvider clock, CancellationToken ct)
    {
        if (await LoadAsync(id, http, session, ct) is not { } job)
            return Problems.NotFound($"job {id} does not exist or is not yours.");
        var (request, problem) = Parse(http, job);
        if (request is null) return problem!;
        if (RefusePerNode(job, request, settings) is { } refused) return refused;
        var raw = http.Request.Query["raw"] == "true";
        var huge = NodeBands.Huge(job, request, settings);
        if (raw && huge)
            return Problems.Validation("node",
                $"a job on more than {settings.HugeAboveNodes} nodes has too many raw samples " +
                "for one export; ask for one node's raw samples with ?node=, or for the band without raw=true.");
        var fileName = $"job-{job.Cluster}-{job.SlurmId}{(raw ? "-raw" : "")}.csv";
        try
        {
            if (raw)
            {
                // Raw samples (not resampled) of exactly the rows the same view reads (scope and tag filters from the
                // shared builder), in the catalogue's unit; limited so an export cannot exhaust memory.
                var c = await catalogue.LoadAsync(ct);
                var (defs, _, _) = c.MetricsFor(job.Cluster, job.Partition, job.Nodes);
                var (from, to) = JobMetricsService.WindowOf(job, clock.GetUtcNow())!.Value;
                if (to < from) to = from;
                var hosts = request.Node is { } n ? new[] { n } : job.Nodes;
                var wanted = defs.Where(d => request.Metrics is null || request.Metrics.Contains(d.Name)).ToList();
                var statements = wanted.Select(m => MetricQueries.Raw(m, hosts,
                    JobMetricsService.ShowsDevices(m, request) ? MetricQueries.DeviceType(m)
                        : MetricQueries.NodeViewType(m, JobMetricsService.AggregationFor(m, request.Aggregation)),
                    from, to, 500_000));
                var result = wanted.Count == 0 ? null : await metrics.RunAsync(string.Join(";\n", statements), ct);
                // Rows go to the response as they are formatted (no second copy of the whole file as text and bytes).
                return Results.Stream(async body =>
                {
                    await using var w = new StreamWriter(body, Utf8NoBom, 64 * 1024);
                    await w.WriteLineAsync("metric,unit,hostname,device,time,value");
                    for (var i = 0; i < wanted.Count; i++)
                    {
                        var m = wanted[i];
                        foreach (var s in result!.Results.FirstOrDefault(r => r.StatementId == i)?.Series ?? [])
                        {
                            var host = s.Tags.GetValueOrDefault("hostname") ?? "";
                            var prefix = $"{CsvField(m.Name)},{CsvField(m.Unit)},{CsvField(host)}," +
                                         $"{CsvField(JobMetricsService.DeviceLabel(s.Tags))},";
                            foreach (var p in s.GetPoints())
                                await w.WriteLineAsync($"{prefix}{p.Time:O}," +
                                    (p.Value * m.Scale)?.ToString("R", CultureInfo.InvariantCulture));
                        }
                    }
                }, "text/csv", fileName);
            }
            var view = await metrics.QueryAsync(job, request with { Quantiles = false }, ct);
            return Results.Stream(async body =>
            {
                await using var w = new StreamWriter(body, Utf8NoBom, 64 * 1024);
                await w.WriteLineAsync("metric,unit,series,time,value");
                foreach (var m in view.Metrics)
                {
                    var prefix = $"{CsvField(m.Name)},{CsvField(m.Unit)},";
                    // Huge jobs: the band's three lines (min, median, max across the nodes) instead of one per node.
                    var lines = m.Band is { Outliers.Length: 0 } band && m.Series.Count == 0
                        ? [new SeriesData("min", band.Times, band.Min),
                            new SeriesData("median", band.Times, band.Median),
                            new SeriesData("max", band.Times, band.Max)]
                        : m.Series;
                    foreach (var s in lines)
                        for (var i = 0; i < s.Times.Length; i++)
                        {
                            var time = DateTimeOffset.FromUnixTimeMilliseconds(s.Times[i]);
                            await w.WriteLineAsync($"{prefix}{CsvField(s.Label)},{time:O}," +
                                s.Values[i]?.ToString("R", CultureInfo.InvariantCulture));
                        }
                }
            }, "text/csv", fileName);
        }
        catch (MetricsUnavailableException e) { return Unavailable(e); }
    }

    private static readonly UTF8Encoding Utf8NoBom = new(false);

    /// <summary>Formula-injection-safe CSV field.</summary>
    private static string CsvField(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }

    private static async Task Live(Guid id, HttpContext http, IQuerySession session, LiveFeeds feeds,
        CancellationToken ct)
    {
        if (await LoadAsync(id, http, session, ct) is not { } job)
        {
            http.Response.StatusCode = 404;
            await Problems.NotFound($"job {id} does not exist or is not yours.").ExecuteAsync(http);
            return;
        }
        var (request, problem) = Parse(http, job);
        if (request is null)
        {
            http.Response.StatusCode = 400;
            await problem!.ExecuteAsync(http);
            return;
        }
        if (job.State != JobState.Running)
        {
            http.Response.StatusCode = 409;
            await Problems.Conflict("the job is not running; load its metrics instead.").ExecuteAsync(http);
            return;
        }
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.WriteAsync(": connected\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
        var reader = feeds.Subscribe(new LiveView(id, request.Node, request.Aggregation, request.Interval,
            request.Metrics is { } names ? string.Join(",", names.Order()) : null, request.PerNode),
            out var unsubscribe);
        try
        {
            await foreach (var message in reader.ReadAllAsync(ct))
            {
                // Metric updates are plain messages (EventSource.onmessage); state changes are named events.
                var frame = message.Event == "metrics" ? $"data: {message.Data}\n\n"
                    : $"event: {message.Event}\ndata: {message.Data}\n\n";
                await http.Response.WriteAsync(frame, ct);
                await http.Response.Body.FlushAsync(ct);
                if (message.Event == "ended") break;
            }
        }
        catch (OperationCanceledException) { /* viewer left */ }
        finally { unsubscribe(); }
    }
}
