using System.Text.Json;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Querying;


public static class JobQueries
{
    public static IEndpointRouteBuilder MapJobQueries(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs").RequireAuthorization(Policies.Reader).WithTags("Jobs");
        jobs.MapGet("", List)
            .WithSummary("Jobs with server-side filters, sort and paging. Non-admins see only their own jobs.")
            .Produces<JobListPage>().ProducesValidationProblem();
        jobs.MapGet("/{id:guid}", Get).WithSummary("One job.").Produces<JobDetail>().ProducesProblem(404);
        jobs.MapGet("/{id:guid}/history", History).WithSummary("Every event of the job in order: the audit trail.")
            .Produces<IReadOnlyList<JobHistoryEntry>>().ProducesProblem(404);
        app.MapGet("/api/v2/clusters/{cluster}/jobs/{jobId:long}", ByIdentity).RequireAuthorization(Policies.Reader)
            .WithTags("Jobs")
            .WithSummary("All jobs that had this SLURM id on this cluster (ids are reused), newest first.");
        return app;
    }

    private static async Task<IResult> List(HttpContext http, IDocumentStore store, JobmonSettings settings,
        TimeProvider clock, CancellationToken ct)
    {
        var (query, errors) = JobListQuery.Parse(http.Request.Query);
        if (query is null) return Problems.Validation(errors);
        var caller = Caller.From(http.User);
        if (!caller.SeesAllJobs) query = query with { User = caller.Name };
        var now = clock.GetUtcNow();

        var connection = settings.AdHocQueryConnectionString ??= MartenSetup.ForAdHocQueries(
            settings.PostgresConnectionString);
        if (query.Csv) { await JobListCsv.WriteAsync(http, store, connection, query, now, ct); return Results.Empty; }
        (long Total, IReadOnlyList<JobView> Page) result;
        try { result = await PageAsync(store, connection, query, now, ct); }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e) && !ct.IsCancellationRequested)
        {
            // A pooled connection broken by a restart or a cut since its last use: a read, so drop the pool's idle
            // connections and ask once more on new ones. Still down: the exception handler answers 503.
            Npgsql.NpgsqlConnection.ClearPool(new Npgsql.NpgsqlConnection(connection));
            result = await PageAsync(store, connection, query, now, ct);
        }
        var total = Math.Min(result.Total, JobListQuery.TotalCountLimit);
        var items = result.Page.Select(j => JobListItem.From(j, now)).ToList();
        return Results.Ok(new JobListPage(total, query.Page, query.PageSize, items,
            TotalIsLowerBound: result.Total > JobListQuery.TotalCountLimit));
    }

    /// <summary>The count and the page are independent: two sessions run them in parallel on the server, on connections
    /// that plan each list query for its filter values (MartenSetup.ForAdHocQueries).</summary>
    private static async Task<(long Total, IReadOnlyList<JobView> Page)> PageAsync(IDocumentStore store,
        string connection, JobListQuery query,
        DateTimeOffset now, CancellationToken ct)
    {
        // Marten ignores a connection string in SessionOptions; an open connection of ours is used (and closed by us).
        await using var countConnection = new Npgsql.NpgsqlConnection(connection);
        await using var pageConnection = new Npgsql.NpgsqlConnection(connection);
        await Task.WhenAll(countConnection.OpenAsync(ct), pageConnection.OpenAsync(ct));
        await using var countSession = store.QuerySession(
            Marten.Services.SessionOptions.ForConnection(countConnection));
        await using var pageSession = store.QuerySession(Marten.Services.SessionOptions.ForConnection(pageConnection));
        var totalTask = BoundedCountAsync(countSession, countConnection, query, now, ct);
        var pageTask = query.Sort == "duration"
            ? DurationPageAsync(pageSession, query, now, ct)
            : query.Order(query.Apply(pageSession.Query<JobView>(), now)).Skip((query.Page - 1) * query.PageSize)
                .Take(query.PageSize).ToListAsync(ct);
        await Task.WhenAll(totalTask, pageTask);
        return (await totalTask, await pageTask);
    }

    /// <summary>count(*) over at most TotalCountLimit + 1 matching rows (JobListQuery.CountedIds): an exact count of
    /// a million rows costs every request tens of milliseconds.</summary>
    private static async Task<long> BoundedCountAsync(IQuerySession session, Npgsql.NpgsqlConnection connection,
        JobListQuery query, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = Marten.QueryableExtensions.ToCommand(query.CountedIds(session.Query<JobView>(), now));
        command.CommandText = $"select count(*) from ({command.CommandText.TrimEnd().TrimEnd(';')}) as bounded";
        command.Connection = connection;
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Sort by duration with running jobs by their CURRENT duration (now − start), which no stored column
    /// holds: the finished jobs' first rows by the duration index, the running jobs' first rows by start (the
    /// state/window_start index; the longest-running started first), merged here. Both reads stay
    /// index-driven.</summary>
    private static async Task<IReadOnlyList<JobView>> DurationPageAsync(IQuerySession session, JobListQuery query,
        DateTimeOffset now, CancellationToken ct)
    {
        var upTo = query.Page * query.PageSize;
        var filtered = query.Apply(session.Query<JobView>(), now);
        var done = filtered.Where(j => j.State != JobState.Running);
        var running = filtered.Where(j => j.State == JobState.Running);
        var finished = await (query.Descending
            ? done.OrderByDescending(j => j.DurationSeconds).ThenByDescending(j => j.WindowStart)
                .ThenByDescending(j => j.Id)
            : done.OrderBy(j => j.DurationSeconds).ThenBy(j => j.WindowStart).ThenBy(j => j.Id))
            .Take(upTo).ToListAsync(ct);
        var runningFirst = await (query.Descending
            ? running.OrderBy(j => j.WindowStart).ThenByDescending(j => j.Id)
            : running.OrderByDescending(j => j.WindowStart).ThenBy(j => j.Id)).Take(upTo).ToListAsync(ct);
        // PostgreSQL sorts NULL as the largest value: a finished job without a duration (start unknown) likewise.
        long Key(JobView j) => j.State == JobState.Running ? JobListItem.DurationOf(j, now) ?? 0 : j.DurationSeconds
            ?? long.MaxValue;
        var merged = query.Descending
            ? finished.Concat(runningFirst).OrderByDescending(Key).ThenByDescending(j => j.WindowStart)
                .ThenByDescending(j => j.Id)
            : finished.Concat(runningFirst).OrderBy(Key).ThenBy(j => j.WindowStart).ThenBy(j => j.Id);
        return merged.Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToList();
    }

    private static async Task<IResult> Get(Guid id, HttpContext http, IQuerySession session, TimeProvider clock,
        CancellationToken ct)
    {
        var job = await session.LoadAsync<JobView>(id, ct);
        if (job is null || !MayRead(http, job)) return Problems.NotFound($"job {id} does not exist or is not yours.");
        return Results.Ok(JobDetail.From(job, clock.GetUtcNow()) with { Scheduler = job.Scheduler });
    }

    private static async Task<IResult> History(Guid id, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var job = await session.LoadAsync<JobView>(id, ct);
        if (job is null || !MayRead(http, job)) return Problems.NotFound($"job {id} does not exist or is not yours.");
        var events = await session.Events.FetchStreamAsync(id, token: ct);
        return Results.Ok(events.Select(JobHistoryEntry.From).ToList());
    }

    private static async Task<IResult> ByIdentity(string cluster, long jobId, HttpContext http, IQuerySession session,
        TimeProvider clock, CancellationToken ct)
    {
        var jobs = await session.Query<JobView>().Where(j => j.Cluster == cluster && j.SlurmId == jobId)
            .OrderByDescending(j => j.WindowStart).Take(100).ToListAsync(ct);
        var now = clock.GetUtcNow();
        return Results.Ok(jobs.Where(j => MayRead(http, j)).Select(j => JobListItem.From(j, now)).ToList());
    }

    /// <summary>Owners read their jobs; admins read all. Other people's jobs answer 404, like jobs that don't
    /// exist.</summary>
    public static bool MayRead(HttpContext http, JobView job)
    {
        var caller = Caller.From(http.User);
        return caller.SeesAllJobs || (job.User.Length > 0 && job.User == caller.Name);
    }
}
