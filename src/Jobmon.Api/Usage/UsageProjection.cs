using JasperFx.Events;
using Jobmon.Jobs;
using Jobmon.Metrics;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Usage;


/// <summary>
/// Usage buckets from the job events (async, its own daemon shard). The events are turned into per-bucket changes in
/// the grouping step, where one query per event page loads the job views the changes need.
/// </summary>
public sealed partial class UsageProjection : MultiStreamProjection<UsageBucket, string>
{
    /// <summary>The classifier's finding that makes a job's GPU-hours "wasted" (mean GPU utilisation below 5
    /// %).</summary>
    public const string IdleGpus = "idle-gpus";

    public UsageProjection()
    {
        Name = "Usage";
        IncludeType<JobStarted>();
        IncludeType<JobEnded>();
        IncludeType<JobTimedOut>();
        IncludeType<JobEndCorrected>();
        IncludeType<JobClassified>();
        CustomGrouping(GroupAsync);
    }

    private static async Task GroupAsync(IQuerySession session, IReadOnlyList<IEvent> events,
        JasperFx.Events.Grouping.IEventGrouping<string> grouping)
    {
        var needViews = events.Where(e => e.Data is JobEnded or JobTimedOut or JobEndCorrected or JobClassified)
            .Select(e => e.StreamId).Distinct().ToArray();
        var views = needViews.Length == 0 ? new Dictionary<Guid, JobView>()
            : (await session.LoadManyAsync<JobView>(needViews)).ToDictionary(v => v.Id);
        foreach (var e in events)
            foreach (var change in ChangesOf(e.Data, e.StreamId, views.GetValueOrDefault(e.StreamId)))
                grouping.AddEvent(change.BucketId, Wrap(e, change));
    }

    private static IEvent Wrap(IEvent source, UsageChange change) => new Event<UsageChange>(change)
    {
        Id = source.Id, Sequence = source.Sequence, Version = source.Version, StreamId = source.StreamId,
        Timestamp = source.Timestamp, TenantId = source.TenantId, EventTypeName = "usage_change", DotNetTypeName =
            typeof(UsageChange).FullName!,
    };

    /// <summary>The per-bucket changes of one job event (public for the tests of the splitting).</summary>
    public static IEnumerable<UsageChange> ChangesOf(object data, Guid jobId, JobView? view)
    {
        static string S(JobState s) => s.ToString().ToLowerInvariant();
        switch (data)
        {
            case JobStarted { Ended: null } s:
                var month = UsageBucket.PeriodOf(UsageBucket.Month, s.StartTime);
                return [new UsageChange(UsageBucket.IdOf(UsageBucket.Month, s.User, s.Cluster, s.Partition, month),
                    UsageBucket.Month, s.User, s.Cluster, s.Partition,
                    month, jobId, UsageChangeKind.Started, "running", null, new UsageFigures(),
                        new RunningJob(s.StartTime, s.NumNodes, s.GpusPerNode * s.NumNodes, s.NumCpus ?? 0))];
            case JobStarted { Ended: { } ended } s:
                return Split(s.User, s.Cluster, s.Partition, s.StartTime, ended.StopTime, s.NumNodes,
                    s.GpusPerNode * s.NumNodes, s.NumCpus ?? 0,
                    (b, f, last) => b with { JobId = jobId, Change = UsageChangeKind.Finished, State = S(ended.State),
                        Figures = f });
            case JobEnded { StartTime: { } start } e when e.User.Length > 0:
                return Split(e.User, e.Cluster, e.Partition, start, e.StopTime, e.NumNodes, e.TotalGpus, view?.NumCpus
                    ?? 0,
                    (b, f, last) => b with { JobId = jobId, Change = UsageChangeKind.Finished, State = S(e.State),
                        Figures = f });
            case JobTimedOut t:
                return Split(t.User, t.Cluster, t.Partition, t.StartTime, t.StopTime, t.NumNodes, t.TotalGpus,
                    view?.NumCpus ?? 0,
                    (b, f, last) => b with { JobId = jobId, Change = UsageChangeKind.Finished, State =
                        S(JobState.Timeout), Figures = f });
            case JobEndCorrected { StartTime: { } start } c when c.User.Length > 0:
                return Split(c.User, c.Cluster, c.Partition, start, c.StopTime, c.NumNodes, c.TotalGpus, view?.NumCpus
                    ?? 0,
                    (b, f, last) => b with { JobId = jobId, Change = UsageChangeKind.StateCorrected, State =
                        S(c.State), PreviousState = S(c.PreviousState), Figures = f });
            case JobClassified k when view is { StartTime: { } start, StopTime: { } stop, User.Length: > 0 }:
                var idle = k.Findings.Any(f => f.Tag == IdleGpus);
                return Split(view.User, view.Cluster, view.Partition, start, stop, view.NumNodes, view.TotalGpus,
                    view.NumCpus ?? 0,
                    (b, f, last) => b with { JobId = jobId, Change = UsageChangeKind.Classified, State = S(view.State),
                        Figures = f,
                        HasFindings = k.Findings.Length > 0, WastedGpuHours = idle ? f.GpuHours : 0 });
            default:
                return [];
        }
    }

    /// <summary>
    /// One change per month and per day bucket the run [start, stop) overlaps, with the hours of that overlap; the
    /// bucket holding the end counts the job. The month of the start is always included (it held the running job).
    /// </summary>
    public static IEnumerable<UsageChange> Split(string user, string cluster, string partition, DateTimeOffset start,
        DateTimeOffset stop,
        int nodes, int gpus, int cpus, Func<UsageChange, UsageFigures, bool, UsageChange> make)
    {
        if (stop < start) stop = start;
        var endInstant = stop > start ? stop.AddTicks(-1) : stop; // a run ending at 00:00 ends in the bucket before
        foreach (var kind in new[] { UsageBucket.Month, UsageBucket.Day })
        {
            for (var period = UsageBucket.PeriodOf(kind, start); period <= endInstant; period =
                UsageBucket.Next(kind, period))
            {
                var from = start > period ? start : period;
                var next = UsageBucket.Next(kind, period);
                var to = stop < next ? stop : next;
                var hours = Math.Max(0, (to - from).TotalHours);
                var last = UsageBucket.PeriodOf(kind, endInstant) == period;
                var figures = new UsageFigures
                {
                    Jobs = last ? 1 : 0, WallHours = hours, NodeHours = hours * nodes, GpuHours = hours * gpus,
                        CoreHours = hours * cpus,
                };
                var blank = new UsageChange(UsageBucket.IdOf(kind, user, cluster, partition, period), kind, user,
                    cluster, partition, period,
                    Guid.Empty, UsageChangeKind.Finished, "", null, figures);
                yield return make(blank, figures, last);
            }
        }
    }

    public void Apply(UsageChange c, UsageBucket view)
    {
        view.Id = c.BucketId; view.Kind = c.Kind; view.User = c.User; view.Cluster = c.Cluster; view.Partition =
            c.Partition; view.Period = c.Period;
        var key = c.JobId.ToString();
        switch (c.Change)
        {
            case UsageChangeKind.Started:
                view.Running[key] = c.Running!;
                break;
            case UsageChangeKind.Finished:
                view.Running.Remove(key);
                Figures(view, c.State).Add(c.Figures);
                break;
            case UsageChangeKind.StateCorrected:
                Figures(view, c.PreviousState!).Add(c.Figures, -1);
                Figures(view, c.State).Add(c.Figures);
                if (view.Findings.TryGetValue(key, out var entry)) view.Findings[key] = entry with { State = c.State };
                break;
            case UsageChangeKind.Classified:
                // The job-end classification replaces earlier findings: the job's entry is set or removed.
                if (c.HasFindings) view.Findings[key] = new FindingEntry(c.State, c.Figures.Jobs > 0, c.WastedGpuHours);
                else view.Findings.Remove(key);
                break;
        }
        view.RunningCount = view.Running.Count;
    }

    private static UsageFigures Figures(UsageBucket view, string state)
    {
        if (!view.States.TryGetValue(state, out var f)) view.States[state] = f = new UsageFigures();
        return f;
    }
}
