using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Querying;

/// <summary>
/// A job addressed by its SLURM id, as people and the original JobMon's links (<c>/job/&lt;id&gt;</c>) do. SLURM ids
/// are
/// unique per cluster only and reused, so one id can name several jobs: exactly one visible match answers 200 with
/// the job; several answer <b>300 Multiple Choices</b> with the candidates (newest first, no <c>Location</c>: none is
/// preferred); none 404. <c>123_4</c> is task 4 of array 123.
/// </summary>
public static class SlurmIdLookup
{
    public static IEndpointRouteBuilder MapSlurmIdLookup(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/clusters/{cluster}/jobs/{slurmId}",
            (string cluster, string slurmId, HttpContext http, IQuerySession session, TimeProvider clock,
            CancellationToken ct) =>
                LookupAsync(cluster, slurmId, http, session, clock, ct))
            .RequireAuthorization(Policies.Reader).WithTags("Jobs")
            .WithSummary("The job with this SLURM id (or array task 123_4) on this cluster: 200 the job, 300 the " +
                "candidates when the id was reused.")
            .Produces<JobDetail>().Produces<SlurmIdCandidates>(300).ProducesProblem(404).ProducesValidationProblem();
        app.MapGet("/api/slurm-jobs/{slurmId}", (string slurmId, HttpContext http, IQuerySession session,
            TimeProvider clock, CancellationToken ct) =>
                LookupAsync(null, slurmId, http, session, clock, ct))
            .RequireAuthorization(Policies.Reader).WithTags("Jobs")
            .WithSummary("The job with this SLURM id on any cluster (the original's /job/<id> had no cluster): 200 " +
                "the job, 300 the candidates.")
            .Produces<JobDetail>().Produces<SlurmIdCandidates>(300).ProducesProblem(404).ProducesValidationProblem();
        // Links from the original's e-mails and tickets: /job/<id> → the UI's page for that SLURM id (which signs in
        // first).
        app.MapGet("/job/{slurmId}", (string slurmId) => Parse(slurmId) is null
                ? Results.NotFound()
                : Results.Redirect($"/jobs/{Uri.EscapeDataString(slurmId)}", permanent: true))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>"123" → (123, null); "123_4" → array 123 task 4; anything else null.</summary>
    public static (long Id, int? Task)? Parse(string text)
    {
        if (JobView.ArrayTaskName.Match(text) is { Success: true } m &&
            long.TryParse(m.Groups[1].Value, out var arrayId) && int.TryParse(m.Groups[2].Value, out var taskId))
            return (arrayId, taskId);
        return text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit) && long.TryParse(text, out var id)
            ? (id, null) : null;
    }

    private static async Task<IResult> LookupAsync(string? cluster, string slurmId, HttpContext http,
        IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        if (Parse(slurmId) is not { } key)
            return Problems.Validation("slurmId", "must be a SLURM job id (123) or an array task (123_4).");
        var query = session.Query<JobView>().AsQueryable();
        if (cluster is not null) query = query.Where(j => j.Cluster == cluster);
        query = key.Task is { } task
            ? query.Where(j => j.ArrayJobId == key.Id && j.ArrayTaskId == task)
            : query.Where(j => j.SlurmId == key.Id);
        var jobs = (await query.OrderByDescending(j => j.WindowStart).Take(100).ToListAsync(ct))
            .Where(j => JobQueries.MayRead(http, j)).ToList();
        var now = clock.GetUtcNow();
        return jobs.Count switch
        {
            0 => Problems.NotFound(
                $"no job of yours has SLURM id {slurmId}{(cluster is null ? "" : $" on {cluster}")}."),
            1 => Results.Ok(JobDetail.From(jobs[0], now) with { Scheduler = jobs[0].Scheduler }),
            _ => Results.Json(new SlurmIdCandidates(cluster, slurmId, jobs.Select(j => JobListItem.From(j, now))
                .ToList()), statusCode: 300),
        };
    }
}

/// <summary>The 300 answer: every job the SLURM id named that the caller may see, newest first.</summary>
public sealed record SlurmIdCandidates(string? Cluster, string SlurmId, IReadOnlyList<JobListItem> Candidates);
