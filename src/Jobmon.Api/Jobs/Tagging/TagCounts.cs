using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Tagging;

/// <summary>One tag and how many of the caller's visible jobs carry it.</summary>
public sealed record TagCount(string Name, long Jobs);

/// <summary><c>GET /api/tags/counts</c>: every tag on the jobs the caller may read (their own; all for admins and
/// read-only keys) with its job count, most used first — the tag page. From the job read model, like the
/// suggestions, so no one learns tags or counts of jobs they cannot see.</summary>
public static class TagCounts
{
    /// <summary>More distinct tags than a page can show usefully; the answer says when it was cut.</summary>
    public const int Limit = 1000;

    public static IEndpointRouteBuilder MapTagCounts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tags/counts", List).RequireAuthorization(Policies.Reader).WithTags("Jobs")
            .WithSummary("Tags on the jobs the caller may read with their job counts, most used first (at most 1000).")
            .Produces<TagCount[]>().ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> List(HttpContext http, IQuerySession session, CancellationToken ct)
    {
        foreach (var key in http.Request.Query.Keys)
            return Problems.Validation(key.Length > 64 ? key[..64] : key, "unknown query parameter; this endpoint takes none.");
        var caller = Caller.From(http.User);
        var table = $"\"{session.DocumentStore.Options.DatabaseSchemaName}\".mt_doc_jobview";
        var sql = $"select jsonb_build_object('name', t, 'jobs', count(*)) from {table} d, " +
                  $"jsonb_array_elements_text(d.data -> 'tagNames') t where (? or d.data ->> 'user' = ?) " +
                  $"group by t order by count(*) desc, t limit {Limit}";
        var rows = await session.QueryAsync<TagCount>(sql, ct, caller.SeesAllJobs, caller.Name);
        return Results.Ok(rows);
    }
}
