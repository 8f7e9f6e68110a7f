using System.Globalization;
using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Marten;
using Marten.Linq.MatchesSql;

namespace Jobmon.Nodes;


/// <summary>The node page: <c>/api/clusters/{cluster}/nodes/{host}</c> (its jobs) and <c>…/metrics</c> (its series).
/// Every reader may open a node page; callers who do not see all jobs get their own jobs listed and a count of the
/// others (ARCHITECTURE.md, Nodes).</summary>
public static class NodePage
{
    public static readonly Regex HostName = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$", RegexOptions.Compiled);
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(31);
    public const int MaxJobs = 500;
    /// <summary>Points per series aimed at: a zoomed-in window gets a finer resolution.</summary>
    public const int TargetPoints = 600;
    public const int MaxPoints = 2000;

    public static IEndpointRouteBuilder MapNodePage(this IEndpointRouteBuilder app)
    {
        var node = app.MapGroup("/api/clusters/{cluster}/nodes/{host}").RequireAuthorization(Policies.Reader)
            .WithTags("Nodes");
        node.MapGet("", Jobs).WithSummary(
            "The jobs on a node overlapping ?from=&to= (default: the last 24 h), running and finished. Callers who " +
                "do not " +
            "see all jobs get their own listed and the others counted (otherJobs).");
        node.MapGet("/metrics", Metrics).WithSummary(
            "The node's series per metric over ?from=&to= (≤ 31 days), at ?resolution= seconds or one giving ≤ " +
                "~600 " +
                "points; " +
            "?metrics=a,b selects metrics.");
        return app;
    }

    private sealed record Window(string Cluster, string Host, DateTimeOffset From, DateTimeOffset To);

    private static DateTimeOffset? Time(IQueryCollection q, string key, Dictionary<string, string[]> errors)
    {
        var v = q[key].ToString();
        if (v.Length == 0) return null;
        if (v.Length <= 40 && long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var secs)
            && secs <= 253402300799)
            return DateTimeOffset.FromUnixTimeSeconds(secs);
        if (v.Length <= 40 && DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return t;
        errors[key] = ["must be a unix time in seconds or an ISO 8601 timestamp."];
        return null;
    }

    /// <summary>Validates cluster, host and window; unknown query parameters are refused like the job list's.</summary>
    private static async Task<(Window? Window, IResult? Problem)> ParseAsync(string cluster, string host,
        HttpContext http,
        IQuerySession session, TimeProvider clock, string[] known, Dictionary<string, string[]> errors,
            CancellationToken ct)
    {
        var q = http.Request.Query;
        foreach (var key in q.Keys)
            if (!known.Contains(key)) errors[key.Length > 64 ? key[..64] : key] =
                [$"unknown query parameter; known: {string.Join(", ", known)}."];
        if (!StartJobValidator.ClusterName.IsMatch(cluster))
            errors["cluster"] = ["must be a cluster name (letters, digits, '.', '_', '-')."];
        if (!HostName.IsMatch(host)) errors["host"] =
            ["must be a host name (letters, digits, '.', '_', '-'; at most 255)."];
        var now = clock.GetUtcNow();
        var to = Time(q, "to", errors) ?? now;
        var from = Time(q, "from", errors) ?? to.AddHours(-24);
        if (!errors.ContainsKey("from") && !errors.ContainsKey("to"))
        {
            if (from >= to) errors["from"] = ["must be before 'to'."];
            else if (to - from > MaxWindow) errors["to"] = ["the window may span at most 31 days."];
        }
        if (errors.Count > 0) return (null, Problems.Validation(errors));
        // Known: a job or a node state of that cluster exists (there is no cluster registry).
        var exists = await session.Query<JobView>().AnyAsync(j => j.Cluster == cluster, ct)
                    || await session.Query<NodeSchedulerState>().AnyAsync(n => n.Cluster == cluster, ct);
        if (!exists) return (null, Problems.NotFound($"cluster '{cluster}' is not known."));
        return (new Window(cluster, host, from, to), null);
    }

    private static async Task<IResult> Jobs(string cluster, string host, HttpContext http, IQuerySession session,
        TimeProvider clock, CancellationToken ct)
    {
        var (w, problem) = await ParseAsync(cluster, host, http, session, clock, ["from", "to"], new(), ct);
        if (w is null) return problem!;
        var caller = Caller.From(http.User);
        var hosts = new object[] { new[] { w.Host } };
        IQueryable<JobView> Overlapping() => session.Query<JobView>()
            .Where(j => j.Cluster == w.Cluster && j.WindowStart <= w.To && j.WindowEnd >= w.From)
            // jsonb "?|" on the node array: the GIN index mt_doc_jobview_idx_nodes answers it ('^' is the parameter).
            .Where(j => j.MatchesSql('^', "CAST(d.data ->> 'nodes' as jsonb) ?| ^", hosts));
        var mine = Overlapping();
        var others = 0;
        if (!caller.SeesAllJobs)
        {
            var name = caller.Name;
            mine = mine.Where(j => j.User == name);
            others = await Overlapping().Where(j => j.User != name).CountAsync(ct);
        }
        var jobs = await mine.OrderBy(j => j.WindowStart).ThenBy(j => j.Id).Take(MaxJobs + 1).ToListAsync(ct);
        var now = clock.GetUtcNow();
        return Results.Ok(new NodeJobsView(w.Cluster, w.Host, w.From, w.To,
            jobs.Take(MaxJobs).Select(j => JobListItem.From(j, now)).ToList(), others, jobs.Count > MaxJobs));
    }

    /// <summary>Resolution for a window: the nice interval (multiple of the collector's) giving ≤ ~600
    /// points.</summary>
    public static long ResolutionFor(TimeSpan window, int collectorSeconds) =>
        SampleInterval.ChooseSeconds(window, collectorSeconds, TargetPoints);

    private static async Task<IResult> Metrics(string cluster, string host, HttpContext http, IQuerySession session,
        TimeProvider clock, CatalogueStore catalogue, JobMetricsService service, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var q = http.Request.Query;
        string[]? names = null;
        if (q["metrics"].ToString() is { Length: > 0 } m)
        {
            if (m.Length > 4096) errors["metrics"] = ["must be at most 4096 characters long."];
            else names = m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names?.Length > 100) errors["metrics"] = ["at most 100 metrics."];
        }
        long? resolution = null;
        if (q["resolution"].ToString() is { Length: > 0 } r)
        {
            if (r.Length <= 7 && long.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var secs)
                && secs is >= 1 and <= 604800)
                resolution = secs;
            else errors["resolution"] = ["must be a number of seconds between 1 and 604800."];
        }
        var (w, problem) = await ParseAsync(cluster, host, http, session, clock,
            ["from", "to", "metrics", "resolution"], errors, ct);
        if (w is null) return problem!;
        var c = await catalogue.LoadAsync(ct);
        if (names is not null && names.FirstOrDefault(n => !c.Metrics.ContainsKey(n)) is { } unknown)
            return Problems.Validation("metrics",
                $"'{(unknown.Length > 64 ? unknown[..64] : unknown)}' is not a metric of the catalogue.");
        var window = w.To - w.From;
        var interval = resolution ?? ResolutionFor(window, c.CollectorIntervalSeconds);
        if (window.TotalSeconds / interval > MaxPoints)
            return Problems.Validation("resolution",
                $"gives more than {MaxPoints} points for this window; choose at least " +
                $"{(long)Math.Ceiling(window.TotalSeconds / MaxPoints)} s.");
        var wanted = (names is null ? c.Metrics.Values.OrderBy(d => d.Name) : names.Distinct()
            .Select(n => c.Metrics[n])).ToList();
        try
        {
            var hosts = new[] { w.Host };
            var statements = wanted.Select(d => MetricQueries.PerNode(d, hosts, w.From, w.To, interval,
                JobMetricsService.AggregationFor(d, null)));
            var result = wanted.Count == 0 ? null : await service.RunAsync(string.Join(";\n", statements), ct);
            var views = new List<NodeMetricSeries>();
            var failures = new List<MetricError>();
            for (var i = 0; i < wanted.Count; i++)
            {
                var d = wanted[i];
                var statement = result!.Results.FirstOrDefault(s => s.StatementId == i);
                if (statement?.Messages.FirstOrDefault(x => x.Level == "error") is { } error)
                    { failures.Add(new MetricError(d.Name, error.Text)); continue; }
                var points = statement?.Series.FirstOrDefault()?.GetPoints("value") ?? [];
                views.Add(new NodeMetricSeries(d.Name, d.DisplayName, d.Unit, d.Scope,
                    JobMetricsService.AggregationFor(d, null), d.PeakPerNode,
                    points.Select(p => p.Time.ToUnixTimeMilliseconds()).ToArray(), points.Select(p => p.Value * d.Scale)
                        .ToArray()));
            }
            return Results.Ok(new NodeMetricsView(w.Cluster, w.Host, w.From, w.To, interval, views, failures));
        }
        catch (MetricsUnavailableException e)
        {
            return Results.Problem(statusCode: 503, title: "Metrics unavailable", detail: e.Message);
        }
    }
}
