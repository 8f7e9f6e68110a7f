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
        (TimeSpan.FromHours(6), "1-6h"), (TimeSpan.FromHours(24), "6-24h"), (TimeSpan.FromDays(3), "1-3d"),
            (TimeSpan.MaxValue, ">3d"),
    ];

    public static string NodesBucket(int nodes) => nodes switch { <= 1 => "1", <= 4 => "2-4", <= 16 => "5-16",
        <= 64 => "17-64", <= 256 => "65-256", _ => ">256" };

    public void Started(JobStarted e)
    {
        Jobs++;
        if (LastStart is null || e.StartTime > LastStart) LastStart = e.StartTime;
        if (e.Ended is { } ended) Finished(ended.State, e.StartTime, ended.StopTime, e.NumNodes,
            e.NumNodes * e.GpusPerNode, wasRunning: false);
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

    public void Finished(JobState state, DateTimeOffset? start, DateTimeOffset stop, int nodes, int gpus,
        bool wasRunning)
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
