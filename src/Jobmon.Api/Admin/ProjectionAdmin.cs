using System.Collections.Concurrent;
using JasperFx.Events.Daemon;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Rebuild;
using Marten;

namespace Jobmon.Admin;


public static class ProjectionAdmin
{
    public static IServiceCollection AddProjectionAdmin(this IServiceCollection services) =>
        services.AddSingleton<RebuildTracker>().AddSingleton<JobViewRebuild>();

    public static IEndpointRouteBuilder MapProjectionAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/projections").RequireAuthorization(Policies.Admin)
            .WithTags("Administration");
        admin.MapGet("", Status)
            .WithSummary("Each projection's position against the event store's high-water mark, and rebuilds.");
        admin.MapPost("/{name}/rebuild", Rebuild)
            .WithSummary("Rebuild one projection from the events (202; follow progress in the status).");
        return app;
    }

    /// <param name="withCounts">Event and stream counts scan the event tables: only for the admin page, not for
    /// monitoring.</param>
    public static async Task<ProjectionsOverview> OverviewAsync(IDocumentStore store, RebuildTracker tracker,
        CancellationToken ct, bool withCounts = true)
    {
        var stats = withCounts ? await store.Advanced.FetchEventStoreStatistics(token: ct) : null;
        var progress = await store.Advanced.AllProjectionProgress(token: ct);
        // Shards are measured against the newest stored event as well as the daemon's own high-water mark: a daemon
        // that
        // stopped also stopped moving its mark, and then every shard looked caught up while thousands of events behind.
        await using var session = store.QuerySession();
        var newest = (await session.QueryAsync<long>("select coalesce(max(seq_id), 0) from " +
            $"{store.Options.Events.DatabaseSchemaName}.mt_events", ct)).Single();
        var highWater = Math.Max(newest, progress.FirstOrDefault(p => p.ShardName == "HighWaterMark")?.Sequence
            ?? stats?.EventSequenceNumber ?? 0);
        var projections = store.Options.Events.Projections().Select(p =>
        {
            var shards = progress.Where(s => s.ShardName.StartsWith(p.Name + ":", StringComparison.Ordinal)
                || s.ShardName == p.Name)
                .Select(s => new ShardStatus(s.ShardName, s.Sequence, Math.Max(0, highWater - s.Sequence))).ToList();
            tracker.Rebuilds.TryGetValue(p.Name, out var rebuild);
            return new ProjectionStatus(p.Name, p.Lifecycle.ToString(), shards, rebuild);
        }).ToList();
        return new ProjectionsOverview(highWater, stats?.EventCount ?? -1, stats?.StreamCount ?? -1, projections);
    }

    private static async Task<IResult> Status(IDocumentStore store, RebuildTracker tracker, CancellationToken ct) =>
        Results.Ok(await OverviewAsync(store, tracker, ct));

    private static IResult Rebuild(string name, HttpContext http, IDocumentStore store,
        IProjectionCoordinator coordinator, JobViewRebuild rebuilder,
        RebuildTracker tracker, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        var known = store.Options.Events.Projections().Select(p => p.Name).ToList();
        if (!known.Contains(name)) return Problems.Validation("name",
            $"unknown projection; known: {string.Join(", ", known)}.");
        var caller = Caller.From(http.User).Name;
        var started = new RebuildStatus(name, "running", DateTimeOffset.UtcNow, null, null, caller);
        if (tracker.Rebuilds.TryGetValue(name, out var current) && current.State == "running")
            return Problems.Conflict($"a rebuild of {name} is already running (started {current.StartedAt:u} by " +
                $"{current.StartedBy}).");
        tracker.Rebuilds[name] = started;
        var logger = loggers.CreateLogger("Jobmon.Rebuild");
        _ = Task.Run(async () =>
        {
            try
            {
                logger.LogInformation("Rebuilding projection {Projection} for {Caller}", name, caller);
                if (name == JobViewRebuild.ProjectionName)
                {
                    // The job view: bulk rebuild (folds job streams in parallel, COPY), with jobs done as progress.
                    // Reported synchronously: Progress<T> would post callbacks that could land after "completed".
                    var progress = new InlineProgress<RebuildProgress>(p => tracker.Rebuilds[name] = started
                        with { Done = p.Streams, Total = p.StreamsTotal });
                    var done = await rebuilder.RunAsync(progress, lifetime.ApplicationStopping);
                    tracker.Rebuilds[name] = started with { State = "completed", FinishedAt = DateTimeOffset.UtcNow,
                        Done = done.Streams, Total = done.StreamsTotal };
                }
                else
                {
                    var daemon = coordinator.DaemonForMainDatabase();
                    await daemon.RebuildProjectionAsync(name, TimeSpan.FromHours(6), lifetime.ApplicationStopping);
                    tracker.Rebuilds[name] = started with { State = "completed", FinishedAt = DateTimeOffset.UtcNow };
                }
                logger.LogInformation("Rebuilt projection {Projection}", name);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Rebuild of projection {Projection} failed", name);
                tracker.Rebuilds[name] = started with { State = "failed", FinishedAt = DateTimeOffset.UtcNow, Error =
                    e.Message };
            }
        });
        return Results.Accepted("/api/admin/projections", started);
    }
}
