using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Summaries;

/// <summary>Counters shared by the per-user and per-partition summaries.</summary>
public abstract class JobCounters
{
    public long Jobs { get; set; }
    public long Running { get; set; }
    public Dictionary<string, long> ByState { get; set; } = new();
    public double NodeHours { get; set; }
    public double GpuHours { get; set; }
    public double WallHours { get; set; }
    public DateTimeOffset? LastStart { get; set; }

    public void Started(JobStarted e)
    {
        Jobs++;
        if (LastStart is null || e.StartTime > LastStart) LastStart = e.StartTime;
        if (e.Ended is { } ended) Finished(ended.State, e.StartTime, ended.StopTime, e.NumNodes, e.NumNodes * e.GpusPerNode, wasRunning: false);
        else Running++;
    }

    public void Finished(JobState state, DateTimeOffset? start, DateTimeOffset stop, int nodes, int gpus, bool wasRunning)
    {
        if (wasRunning) Running = Math.Max(0, Running - 1);
        var key = state.ToString().ToLowerInvariant();
        ByState[key] = ByState.GetValueOrDefault(key) + 1;
        if (start is { } s && stop > s)
        {
            var hours = (stop - s).TotalHours;
            WallHours += hours;
            NodeHours += hours * nodes;
            GpuHours += hours * gpus;
        }
    }
}

/// <summary>Per-user summary, keyed by user name. Async: write contention stays off the ingestion path.
/// Jobs whose start is unknown are counted once their start arrives (their user is unknown until then).</summary>
public sealed class UserSummary : JobCounters
{
    public string Id { get; set; } = "";
}

public sealed partial class UserSummaryProjection : MultiStreamProjection<UserSummary, string>
{
    public UserSummaryProjection()
    {
        Identity<JobStarted>(e => e.User);
        Identities<JobEnded>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>() : [e.User]);
        Identity<JobTimedOut>(e => e.User);
    }

    public void Apply(JobStarted e, UserSummary view) { view.Id = e.User; view.Started(e); }
    public void Apply(JobEnded e, UserSummary view) => view.Finished(e.State, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
    public void Apply(JobTimedOut e, UserSummary view) => view.Finished(JobState.Timeout, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
}

/// <summary>Per cluster and partition, keyed "cluster/partition".</summary>
public sealed class PartitionSummary : JobCounters
{
    public string Id { get; set; } = "";
    public string Cluster { get; set; } = "";
    public string Partition { get; set; } = "";

    public static string KeyOf(string cluster, string partition) => $"{cluster}/{partition}";
}

public sealed partial class PartitionSummaryProjection : MultiStreamProjection<PartitionSummary, string>
{
    public PartitionSummaryProjection()
    {
        Identity<JobStarted>(e => PartitionSummary.KeyOf(e.Cluster, e.Partition));
        Identities<JobEnded>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>() : [PartitionSummary.KeyOf(e.Cluster, e.Partition)]);
        Identity<JobTimedOut>(e => PartitionSummary.KeyOf(e.Cluster, e.Partition));
    }

    public void Apply(JobStarted e, PartitionSummary view)
    {
        view.Id = PartitionSummary.KeyOf(e.Cluster, e.Partition);
        view.Cluster = e.Cluster;
        view.Partition = e.Partition;
        view.Started(e);
    }
    public void Apply(JobEnded e, PartitionSummary view) => view.Finished(e.State, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
    public void Apply(JobTimedOut e, PartitionSummary view) => view.Finished(JobState.Timeout, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
}

public static class SummaryEndpoints
{
    public static IEndpointRouteBuilder MapSummaries(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/summaries/users", async (IQuerySession session, CancellationToken ct) =>
                Results.Ok(await session.Query<UserSummary>().OrderByDescending(s => s.NodeHours).Take(1000).ToListAsync(ct)))
            .RequireAuthorization(Policies.Admin).WithTags("Statistics").WithSummary("Per-user job summaries (eventually consistent).");
        app.MapGet("/api/summaries/users/{user}", async (string user, HttpContext http, IQuerySession session, CancellationToken ct) =>
            {
                var caller = Caller.From(http.User);
                if (!caller.IsAdmin && caller.Name != user) return Problems.NotFound($"no summary for {user}.");
                return await session.LoadAsync<UserSummary>(user, ct) is { } s ? Results.Ok(s) : Problems.NotFound($"no summary for {user}.");
            })
            .RequireAuthorization(Policies.Reader).WithTags("Statistics").WithSummary("One user's summary (the user or an admin).");
        app.MapGet("/api/summaries/partitions", async (IQuerySession session, CancellationToken ct) =>
                Results.Ok(await session.Query<PartitionSummary>().OrderBy(s => s.Id).Take(10_000).ToListAsync(ct)))
            .RequireAuthorization(Policies.Admin).WithTags("Statistics").WithSummary("Per cluster/partition summaries (eventually consistent).");
        return app;
    }
}
