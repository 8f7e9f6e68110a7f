using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Summaries;

public static class SummaryEndpoints
{
    public static IEndpointRouteBuilder MapSummaries(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/summaries/users", async (IQuerySession session, CancellationToken ct) =>
                Results.Ok(await session.Query<UserSummary>().OrderByDescending(s => s.NodeHours).Take(1000)
                    .ToListAsync(ct)))
            .RequireAuthorization(Policies.Admin).WithTags("Statistics")
                .WithSummary("Per-user job summaries (eventually consistent).");
        app.MapGet("/api/summaries/users/{user}", async (string user, HttpContext http, IQuerySession session,
            CancellationToken ct) =>
            {
                var caller = Caller.From(http.User);
                if (!caller.IsAdmin && caller.Name != user) return Problems.NotFound($"no summary for {user}.");
                return await session.LoadAsync<UserSummary>(user, ct) is { } s ? Results.Ok(s)
                    : Problems.NotFound($"no summary for {user}.");
            })
            .RequireAuthorization(Policies.Reader).WithTags("Statistics")
                .WithSummary("One user's summary (the user or an admin).");
        app.MapGet("/api/summaries/groups", async (IQuerySession session, CancellationToken ct) =>
                Results.Ok(await session.Query<GroupSummary>().OrderByDescending(s => s.NodeHours).Take(1000)
                    .ToListAsync(ct)))
            .RequireAuthorization(Policies.Admin).WithTags("Statistics")
                .WithSummary("Per-group job summaries (eventually consistent).");
        app.MapGet("/api/summaries/partitions", async (IQuerySession session, CancellationToken ct) =>
                Results.Ok(await session.Query<PartitionSummary>().OrderBy(s => s.Id).Take(10_000).ToListAsync(ct)))
            .RequireAuthorization(Policies.Admin).WithTags("Statistics")
                .WithSummary("Per cluster/partition summaries (eventually consistent).");
        return app;
    }
}
