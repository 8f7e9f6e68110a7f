using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Ingestion;

/// <summary>
/// cc-backend's <c>GET /api/jobs/</c> (internal/api/job.go getJobs): query parameters state (repeatable), cluster,
/// project, start-time=from-to, page, items-per-page, with-metadata; any other parameter is a 400. The body is
/// <c>{"jobs": [cc-lib Job…], "items": itemsPerPage, "page": page}</c>, newest start first. cc-slurm-adapter reads
/// the running jobs with its job-control token at start-up and every poll, so a job-control caller may list
/// running jobs (state=running only) and nothing more; users see their own jobs, admins and read-only keys all.
/// Served at <c>/api/jobs/</c> (with the slash, as cc clients call it; Jobmon's own list is <c>/api/jobs</c>).
/// </summary>
public static class ClusterCockpitJobs
{
    /// <summary>Where the list is mapped; <see cref="UseClusterCockpitPaths"/> sends cc's <c>/api/jobs/</c>
    /// here.</summary>
    public const string ListPath = "/api/clustercockpit/jobs";
    private static readonly HashSet<string> Parameters =
        ["state", "cluster", "project", "start-time", "page", "items-per-page", "with-metadata"];

    public static IEndpointRouteBuilder MapClusterCockpitJobList(this IEndpointRouteBuilder app)
    {
        app.MapGet(ListPath, List).RequireAuthorization(Policies.ReaderOrIngest).WithTags("ClusterCockpit")
            .WithSummary("cc-backend's job list (GET /api/jobs/ with the slash): {jobs, items, page}; job-control " +
                "keys may list running jobs only.");
        return app;
    }

    /// <summary>cc's list is <c>/api/jobs/</c>; routing treats it as Jobmon's <c>/api/jobs</c>, so the trailing
    /// slash is told apart before routing runs.</summary>
    public static IApplicationBuilder UseClusterCockpitPaths(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (HttpMethods.IsGet(http.Request.Method) && http.Request.Path.Value == "/api/jobs/")
            http.Request.Path = ListPath;
        return next(http);
    });

    private static async Task<IResult> List(HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var query = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        foreach (var key in query.Keys.Where(k => !Parameters.Contains(k)))
            errors[key] = [$"invalid query parameter: {key}"];
        var states = new List<JobState>();
        var stateNames = query["state"].Select(s => s ?? "").ToArray();
        foreach (var s in stateNames)
        {
            if (s == "running") states.Add(JobState.Running);
            else if (ClusterCockpitIngestion.StateOf(s) is { } st) states.Add(st);
            else if (!ClusterCockpitIngestion.StatesWithoutJobs.Contains(s))
                errors["state"] = ["invalid query parameter value: state"];
        }
        int Number(string name, int fallback)
        {
            if (query[name].FirstOrDefault() is not { } text) return fallback;
            if (!int.TryParse(text, out var n)) { errors[name] = [$"must be an integer"]; return fallback; }
            if (n < 1) errors[name] = [$"{name} must be >= 1"];
            return n;
        }
        var page = Number("page", 1);
        var itemsPerPage = Number("items-per-page", 25);
        DateTimeOffset? from = null, to = null;
        if (query["start-time"].FirstOrDefault() is { } range)
        {
            var parts = range.Split('-');
            if (parts.Length == 2 && long.TryParse(parts[0], out var f) && long.TryParse(parts[1], out var t)
                && f is >= 0 and <= 253402300799 && t is >= 0 and <= 253402300799)
            { from = DateTimeOffset.FromUnixTimeSeconds(f); to = DateTimeOffset.FromUnixTimeSeconds(t); }
            else errors["start-time"] = ["invalid query parameter value: startTime (from-to, unix seconds)"];
        }
        // cc-backend switches metadata on whenever the parameter is present; Jobmon honours an explicit false.
        var withMetadata = query.ContainsKey("with-metadata")
            && query["with-metadata"].FirstOrDefault() is not ("false" or "0");
        if (errors.Count > 0) return Problems.Validation(errors);

        var caller = Caller.From(http.User);
        var reader = http.User.IsInRole(Roles.User) || caller.SeesAllJobs;
        if (!reader && !(states.Count > 0 && states.All(s => s == JobState.Running) && stateNames.Length > 0))
            return Results.Problem(statusCode: 403, title: "Forbidden",
                detail: "A job-control key may list running jobs only (state=running).");

        IQueryable<JobView> jobs = session.Query<JobView>();
        if (reader && !caller.SeesAllJobs) { var me = caller.Name; jobs = jobs.Where(j => j.User == me); }
        if (stateNames.Length > 0)
        {
            var wanted = states.Distinct().ToArray();
            if (wanted.Length == 1) { var only = wanted[0]; jobs = jobs.Where(j => j.State == only); }
            else jobs = jobs.Where(j => wanted.Contains(j.State));
        }
        if (query["cluster"].FirstOrDefault() is { } cluster) jobs = jobs.Where(j => j.Cluster == cluster);
        if (query["project"].FirstOrDefault() is { } project) jobs = jobs.Where(j => j.Account == project);
        if (from is { } fromTime) jobs = jobs.Where(j => j.StartTime >= fromTime);
        if (to is { } toTime) jobs = jobs.Where(j => j.StartTime <= toTime);
        var skip = (page - 1L) * itemsPerPage;
        var found = skip > int.MaxValue ? [] : await jobs.OrderByDescending(j => j.WindowStart).Skip((int)skip)
            .Take(itemsPerPage).ToListAsync(ct);
        return Results.Json(new { jobs = found.Select(j => ToCcJob(j, withMetadata)), items = itemsPerPage, page });
    }

    /// <summary>A job as cc-lib's schema.Job serialises (its json tags; omitempty fields left out when empty). cc's
    /// numeric database "id" has no equivalent (Jobmon's ids are Guids), so it is left out and "jobmonId"
    /// added.</summary>
    public static Dictionary<string, object?> ToCcJob(JobView j, bool withMetadata)
    {
        var d = j.Scheduler;
        var job = new Dictionary<string, object?>
        {
            ["jobmonId"] = j.Id,
            ["cluster"] = j.Cluster,
            ["subCluster"] = d?.SubCluster ?? "",
            ["project"] = j.Account,
            ["user"] = j.User,
            ["shared"] = d?.Shared ?? "none",
            ["jobState"] = ClusterCockpitIngestion.NameOf(j.State),
            ["tags"] = j.Tags.Select(t => new { type = t.CreatedBy == JobView.Classifier ? "jobClass" : "jobmon",
                name = t.Name, scope = t.Visibility == TagVisibility.Public ? "global" : t.CreatedBy }).ToArray(),
            ["resources"] = d?.Resources.Length > 0
                ? d.Resources.Select(Resource).ToArray()
                : j.Nodes.Select(n => Resource(new SchedulerResource(n, null, null, null))).ToArray(),
            ["energyFootprint"] = null,
            ["footprint"] = null,
            ["metaData"] = withMetadata ? MetaData(j) : null,
            ["concurrentJobs"] = new { items = (object?)null, count = 0 },
            ["energy"] = 0,
            ["jobId"] = j.SlurmId,
            ["duration"] = j.DurationSeconds ?? 0,
            ["numNodes"] = j.NumNodes,
            ["statistics"] = null,
            ["startTime"] = j.StartTime?.ToUnixTimeSeconds() ?? 0,
        };
        if (j.Partition.Length > 0) job["partition"] = j.Partition;
        if (d?.ArrayJobId is { } array) job["arrayJobId"] = array;
        if (d?.WalltimeSeconds is > 0) job["walltime"] = d.WalltimeSeconds;
        if (d?.RequestedMemoryMb is > 0) job["requestedMemory"] = d.RequestedMemoryMb;
        if (d?.Smt is > 0) job["smt"] = d.Smt;
        if (d?.MonitoringStatus is > 0) job["monitoringStatus"] = d.MonitoringStatus;
        if ((d?.NumAcc ?? j.TotalGpus) is > 0 and var acc) job["numAcc"] = acc;
        if ((d?.NumHwthreads ?? j.NumTasks) is > 0 and var hw) job["numHwthreads"] = hw;
        if (d?.SubmitTime is { } submitted) job["submitTime"] = submitted.ToUnixTimeSeconds();
        return job;
    }

    private static Dictionary<string, object?> Resource(SchedulerResource r)
    {
        var resource = new Dictionary<string, object?> { ["hostname"] = r.Hostname };
        if (r.Configuration is { Length: > 0 }) resource["configuration"] = r.Configuration;
        if (r.Hwthreads is { Length: > 0 }) resource["hwthreads"] = r.Hwthreads;
        if (r.Accelerators is { Length: > 0 }) resource["accelerators"] = r.Accelerators;
        return resource;
    }

    private static Dictionary<string, string> MetaData(JobView j)
    {
        var meta = new Dictionary<string, string>(j.Scheduler?.MetaData ?? []);
        if (j.JobName.Length > 0) meta["jobName"] = j.JobName;
        if (j.JobScript is { Length: > 0 } script) meta["jobScript"] = script;
        return meta;
    }
}
