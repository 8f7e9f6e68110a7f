using Jobmon.Accounts;
using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Summaries;
using Marten;

namespace Jobmon.Search;

/// <summary>Search: users (admins), tags. Jobs are searched through GET /api/jobs?q=. Terms are parameters
/// only.</summary>
public static class Search
{
    public static IEndpointRouteBuilder MapSearch(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/search/users", async (string? q, IQuerySession session, CancellationToken ct) =>
        {
            if (q is null || q.Length is 0 or > 64) return Problems.Validation("q", "must be 1-64 characters.");
            var term = q.ToLowerInvariant();
            // People with an account, and people who only ever appear as job owners.
            var accounts = await session.Query<UserAccount>()
                .Where(a => !a.Deleted && a.Username.Contains(term, StringComparison.OrdinalIgnoreCase))
                .Select(a => a.Username).Take(50).ToListAsync(ct);
            var owners = await session.Query<UserSummary>()
                .Where(s => s.Id.Contains(term, StringComparison.OrdinalIgnoreCase))
                .Select(s => s.Id).Take(50).ToListAsync(ct);
            return Results.Ok(accounts.Concat(owners).Distinct().Order().Take(50));
        }).RequireAuthorization(Policies.Admin).WithTags("Search")
            .WithSummary("User names containing q (case-insensitive).");

        app.MapGet("/api/search/tags", async (string? q, HttpContext http, IQuerySession session,
            CancellationToken ct) =>
        {
            if (q is null || q.Length is 0 or > 64) return Problems.Validation("q", "must be 1-64 characters.");
            var caller = Caller.From(http.User);
            var jobs = session.Query<JobView>().Where(j => j.TagNames.Any());
            if (!caller.SeesAllJobs) jobs = jobs.Where(j => j.User == caller.Name);
            // Tag names live in the jobs' documents: take candidate jobs by the GIN-indexed array, match in memory.
            var candidates = await jobs.OrderByDescending(j => j.WindowStart).Select(j => j.Tags).Take(5000)
                .ToListAsync(ct);
            var tags = candidates.SelectMany(t => t)
                .Where(t => t.Name.Contains(q, StringComparison.OrdinalIgnoreCase)
                    && (caller.SeesAllJobs || t.Visibility == TagVisibility.Public || t.CreatedBy == caller.Name))
                .GroupBy(t => t.Name).Select(g => new { name = g.Key, jobs = g.Count() }).OrderByDescending(t => t.jobs)
                    .Take(50);
            return Results.Ok(tags);
        }).RequireAuthorization(Policies.Reader).WithTags("Search")
            .WithSummary("Tags containing q on the jobs you may see.");
        return app;
    }
}
