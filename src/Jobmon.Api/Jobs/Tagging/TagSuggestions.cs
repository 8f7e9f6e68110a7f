using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Tagging;

/// <summary><c>GET /api/tags?prefix=</c>: tag names for the tag input's autocomplete, from the jobs the caller may
/// read (their own; all for admins and read-only keys), so no one learns tag names of jobs they cannot see.</summary>
public static class TagSuggestions
{
    public const int Limit = 20;

    public static IEndpointRouteBuilder MapTagSuggestions(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tags", List).RequireAuthorization(Policies.Reader).WithTags("Jobs")
            .WithSummary("Tag names on the jobs the caller may read, starting with ?prefix= (case-insensitive), at " +
                "most 20, sorted.");
        return app;
    }

    private static async Task<IResult> List(HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var q = http.Request.Query;
        foreach (var key in q.Keys)
            if (key != "prefix") return Problems.Validation(key.Length > 64 ? key[..64] : key,
                "unknown query parameter; known: prefix.");
        var prefix = q["prefix"].ToString().Trim();
        if (prefix.Length > 64) return Problems.Validation("prefix", "must be at most 64 characters long.");
        if (prefix.Length > 0 && !JobCommands.TagName.IsMatch(prefix))
            return Problems.Validation("prefix",
                "must start with a letter or digit and use letters, digits, spaces and . _ : / + -.");
        var caller = Caller.From(http.User);
        // The prefix is a parameter; '_' (the only LIKE wildcard a tag name may hold) is escaped.
        var pattern = prefix.Replace("\\", "\\\\").Replace("_", "\\_") + "%";
        var table = $"\"{session.DocumentStore.Options.DatabaseSchemaName}\".mt_doc_jobview";
        var sql = $"select distinct t from {table} d, jsonb_array_elements_text(d.data -> 'tagNames') t " +
                  $"where t ilike ? and (? or d.data ->> 'user' = ?) order by t limit {Limit}";
        var names = await session.QueryAsync<string>(sql, ct, pattern, caller.SeesAllJobs, caller.Name);
        return Results.Ok(names);
    }
}
