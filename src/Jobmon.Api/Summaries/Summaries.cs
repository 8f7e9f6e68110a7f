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
    /// <summary>Finished jobs by duration bucket and by node count: the statistics page's histograms.</summary>
    public Dictionary<string, long> DurationHistogram { get; set; } = new();
    public Dictionary<string, long> NodesHistogram { get; set; } = new();

    public static readonly (TimeSpan Limit, string Label)[] DurationBuckets =
    [
        (TimeSpan.FromMinutes(1), "<1m"), (TimeSpan.FromMinutes(10), "1-10m"), (TimeSpan.FromHours(1), "10m-1h"),
        (TimeSpan.FromHours(6), "1-6h"), (TimeSpan.FromHours(24), "6-24h"), (TimeSpan.FromDays(3), "1-3d"), (TimeSpan.MaxValue, ">3d"),
    ];

    public static string NodesBucket(int nodes) => nodes switch { <= 1 => "1", <= 4 => "2-4", <= 16 => "5-16", <= 64 => "17-64", <= 256 => "65-256", _ => ">256" };

    public void Started(JobStarted e)
    {
        Jobs++;
        if (LastStart is null || e.StartTime > LastStart) LastStart = e.StartTime;
        if (e.Ended is { } ended) Finished(ended.State, e.StartTime, ended.StopTime, e.NumNodes, e.NumNodes * e.GpusPerNode, wasRunning: false);
        else Running++;
    }

    /// <summary>SLURM's final record changed a finished job's state: move it to its true state's count.</summary>
    public void Corrected(JobState from, JobState to)
    {
        var old = from.ToString().ToLowerInvariant();
        if (ByState.GetValueOrDefault(old) > 0) ByState[old]--;
        var key = to.ToString().ToLowerInvariant();
        ByState[key] = ByState.GetValueOrDefault(key) + 1;
    }

    public void Finished(JobState state, DateTimeOffset? start, DateTimeOffset stop, int nodes, int gpus, bool wasRunning)
    {
        if (wasRunning) Running = Math.Max(0, Running - 1);
        var key = state.ToString().ToLowerInvariant();
        ByState[key] = ByState.GetValueOrDefault(key) + 1;
        var nodesBucket = NodesBucket(nodes);
        NodesHistogram[nodesBucket] = NodesHistogram.GetValueOrDefault(nodesBucket) + 1;
        if (start is { } s && stop >= s)
        {
            var bucket = DurationBuckets.First(b => stop - s < b.Limit).Label;
            DurationHistogram[bucket] = DurationHistogram.GetValueOrDefault(bucket) + 1;
        }
        if (start is { } s2 && stop > s2)
        {
            var hours = (stop - s2).TotalHours;
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
        Identities<JobEndCorrected>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>() : [e.User]);
    }

    public void Apply(JobStarted e, UserSummary view) { view.Id = e.User; view.Started(e); }
    public void Apply(JobEnded e, UserSummary view) => view.Finished(e.State, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
    public void Apply(JobTimedOut e, UserSummary view) => view.Finished(JobState.Timeout, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
    public void Apply(JobEndCorrected e, UserSummary view) => view.Corrected(e.PreviousState, e.State);
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
        Identities<JobEndCorrected>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>() : [PartitionSummary.KeyOf(e.Cluster, e.Partition)]);
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
    public void Apply(JobEndCorrected e, PartitionSummary view) => view.Corrected(e.PreviousState, e.State);
}

/// <summary>Per unix group, keyed by group name.</summary>
public sealed class GroupSummary : JobCounters
{
    public string Id { get; set; } = "";
}

public sealed partial class GroupSummaryProjection : MultiStreamProjection<GroupSummary, string>
{
    public GroupSummaryProjection()
    {
        Identity<JobStarted>(e => e.Group);
        Identities<JobEnded>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>() : [e.Group]);
        Identity<JobTimedOut>(e => e.Group);
        Identities<JobEndCorrected>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>() : [e.Group]);
    }

    public void Apply(JobStarted e, GroupSummary view) { view.Id = e.Group; view.Started(e); }
    public void Apply(JobEnded e, GroupSummary view) => view.Finished(e.State, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
    public void Apply(JobTimedOut e, GroupSummary view) => view.Finished(JobState.Timeout, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
    public void Apply(JobEndCorrected e, GroupSummary view) => view.Corrected(e.PreviousState, e.State);
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
        app.MapGet("/api/summaries/groups", async (IQuerySession session, CancellationToken ct) =>
                Results.Ok(await session.Query<GroupSummary>().OrderByDescending(s => s.NodeHours).Take(1000).ToListAsync(ct)))
            .RequireAuthorization(Policies.Admin).WithTags("Statistics").WithSummary("Per-group job summaries (eventually consistent).");
        app.MapGet("/api/summaries/partitions", async (IQuerySession session, CancellationToken ct) =>
                Results.Ok(await session.Query<PartitionSummary>().OrderBy(s => s.Id).Take(10_000).ToListAsync(ct)))
            .RequireAuthorization(Policies.Admin).WithTags("Statistics").WithSummary("Per cluster/partition summaries (eventually consistent).");
        return app;
    }
}
