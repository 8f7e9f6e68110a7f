using JasperFx.Events;

namespace Jobmon.Jobs;


/// <summary>
/// The job read model: one document per job stream, projected inline (same transaction as the append), so the
/// ingestion response and the next query see it. Immutable: every Apply returns a new instance.
/// </summary>
public sealed record JobView
{
    public Guid Id { get; init; }
    public string Cluster { get; init; } = "";
    public long SlurmId { get; init; }
    public string User { get; init; } = "";
    public long? UserId { get; init; }
    public string Group { get; init; } = "";
    public long? GroupId { get; init; }
    public string Account { get; init; } = "";
    public string JobName { get; init; } = "";
    public string Partition { get; init; } = "";
    public int NumNodes { get; init; }
    public int NumTasks { get; init; }
    public int TasksPerNode { get; init; }
    public int GpusPerNode { get; init; }
    public int TotalGpus { get; init; }
    public string[] Nodes { get; init; } = [];
    public string? JobScript { get; init; }
    /// <summary>SLURM array job id and task id ("123_4"); null for jobs that are not array tasks.</summary>
    public long? ArrayJobId { get; init; }
    public int? ArrayTaskId { get; init; }
    /// <summary>CPUs allocated (SLURM's NumCPUs); null when the sender did not say.</summary>
    public int? NumCpus { get; init; }
    /// <summary>The end first reported, when SLURM's final record corrected it (e.g. "completed, exit code
    /// 0").</summary>
    public string? FirstReportedEnd { get; init; }
    /// <summary>Null when only the end is known (the prolog push was lost).</summary>
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? StopTime { get; init; }
    /// <summary>Null while running or when the start is unknown.</summary>
    public long? DurationSeconds { get; init; }
    public JobState State { get; init; }
    public bool StartKnown { get; init; }
    public int? ExitCode { get; init; }
    public string? ExitDescription { get; init; }
    public string? EndReason { get; init; }
    public List<JobTag> Tags { get; init; } = [];
    public string[] TagNames { get; init; } = [];
    /// <summary>"cluster/slurmId" while running, else null: a unique index on it guarantees at most one running job
    /// per SLURM identity, even under concurrent starts.</summary>
    public string? RunningKey { get; init; }
    /// <summary>Lower-cased "id name account" for free-text search.</summary>
    public string SearchText { get; init; } = "";
    public DateTimeOffset LastChangedAt { get; init; }
    /// <summary>When the job began to matter: its start, or its end when the start is unknown. Index-friendly
    /// (never null) for time-window overlap and the default "newest first" order.</summary>
    public DateTimeOffset WindowStart => StartTime ?? StopTime ?? LastChangedAt;
    /// <summary>Its end, or far in the future while running.</summary>
    public DateTimeOffset WindowEnd => StopTime ?? OpenEnd;
    public static readonly DateTimeOffset OpenEnd = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);
    public Dictionary<string, MetricSummary> Statistics { get; init; } = new();
    public DateTimeOffset? StatisticsStopTime { get; init; }
    public JobFinding[] Findings { get; init; } = [];
    /// <summary>When the statistics were last computed (periodically while the job runs, then at its end).</summary>
    public DateTimeOffset? StatisticsUpdatedAt { get; init; }
    /// <summary>Energy from the power metrics over the time the statistics cover (Jobs/JobEnergy.cs); null without
    /// power data.</summary>
    public JobEnergy? Energy { get; init; }
    /// <summary>Walltime, submit time and the rest a ClusterCockpit client reported; null for other sources.</summary>
    public SchedulerDetails? Scheduler { get; init; }
    public int Version { get; set; }

    public static JobView Create(IEvent<JobStarted> e) => Started(new JobView { Id = e.StreamId }, e.Data, At(e));

    public static JobView Create(IEvent<JobEnded> e)
    {
        var d = e.Data;
        return new JobView
        {
            Id = e.StreamId,
            Cluster = d.Cluster,
            SlurmId = d.SlurmId,
            StartKnown = false,
            LastChangedAt = At(e),
            SearchText = d.SlurmId.ToString(),
        }.Ended(d);
    }

    public JobView Apply(IEvent<JobStarted> e) => Started(this, e.Data, At(e));

    public JobView Apply(IEvent<JobEnded> e) => Ended(e.Data) with { LastChangedAt = At(e) };

    public JobView Apply(IEvent<JobEndCorrected> e) => this with
    {
        State = e.Data.State,
        ExitCode = e.Data.ExitCode,
        ExitDescription = ExitStatus.Describe(e.Data.ExitCode, e.Data.State),
        EndReason = e.Data.Reason ?? EndReason,
        FirstReportedEnd = FirstReportedEnd
            ?? $"{e.Data.PreviousState.ToString().ToLowerInvariant()}, " +
            $"{(e.Data.PreviousExitCode is { } c ? ExitStatus.Describe(c) : "no exit code")}",
        LastChangedAt = At(e),
    };

    public JobView Apply(IEvent<JobTimedOut> e) => this with
    {
        StopTime = e.Data.StopTime,
        DurationSeconds = Seconds(StartTime, e.Data.StopTime),
        State = JobState.Timeout,
        RunningKey = null,
        ExitDescription = "ended by the overtime sweeper",
        EndReason = e.Data.Reason,
        LastChangedAt = At(e),
    };

    public JobView Apply(IEvent<JobTagAdded> e)
    {
        var tags = Tags.Where(t => t.Name != e.Data.Tag)
            .Append(new JobTag(e.Data.Tag, e.Data.AddedBy, e.Data.Visibility, At(e))).ToList();
        return this with { Tags = tags, TagNames = tags.Select(t => t.Name).ToArray(), LastChangedAt = At(e) };
    }

    public JobView Apply(IEvent<JobTagRemoved> e)
    {
        var tags = Tags.Where(t => t.Name != e.Data.Tag).ToList();
        return this with { Tags = tags, TagNames = tags.Select(t => t.Name).ToArray(), LastChangedAt = At(e) };
    }

    public JobView Apply(IEvent<JobMetricStatisticsRecorded> e) => this with
    {
        Statistics = e.Data.Metrics.ToDictionary(m => m.Key,
            m => new MetricSummary(m.Value.Unit, m.Value.Mean, m.Value.Max, m.Value.RobustMax, m.Value.Peak)),
        StatisticsStopTime = e.Data.StopTime,
        StatisticsUpdatedAt = At(e),
        Energy = StartTime is { } s ? JobEnergy.From(e.Data.Metrics, e.Data.StopTime - s) : null,
        LastChangedAt = At(e),
    };

    /// <summary>Statistics of a running job so far (its footprint before it ends).</summary>
    public JobView Apply(IEvent<RunningJobStatisticsRecorded> e) => this with
    {
        Energy = StartTime is { } s ? JobEnergy.From(e.Data.Metrics, e.Data.Until - s) : null,
        Statistics = e.Data.Metrics.ToDictionary(m => m.Key,
            m => new MetricSummary(m.Value.Unit, m.Value.Mean, m.Value.Max, m.Value.RobustMax, m.Value.Peak)),
        StatisticsUpdatedAt = At(e),
        LastChangedAt = At(e),
    };

    /// <summary>Findings raised while the job runs join the earlier ones (the job-end classification then replaces
    /// them).</summary>
    public JobView Apply(IEvent<JobFindingsRaised> e)
    {
        var findings = Findings.Where(f => e.Data.Findings.All(n => n.Tag != f.Tag)).Concat(e.Data.Findings).ToArray();
        var tags = Tags.Where(t => !(t.CreatedBy == Classifier && e.Data.Findings.Any(f => f.Tag == t.Name)))
            .Concat(e.Data.Findings.Select(f =>
            new JobTag(f.Tag, Classifier, TagVisibility.Public, At(e), f.Reason))).ToList();
        return this with { Findings = findings, Tags = tags, TagNames = tags.Select(t => t.Name).Distinct().ToArray(),
            LastChangedAt = At(e) };
    }

    /// <summary>Classification findings replace the previous classifier tags; people's tags stay.</summary>
    public JobView Apply(IEvent<JobClassified> e)
    {
        var tags = Tags.Where(t => t.CreatedBy != Classifier).Concat(e.Data.Findings.Select(f =>
            new JobTag(f.Tag, Classifier, TagVisibility.Public, At(e), f.Reason))).ToList();
        return this with { Findings = e.Data.Findings, Tags = tags, TagNames = tags.Select(t => t.Name).Distinct()
            .ToArray(), LastChangedAt = At(e) };
    }

    public const string Classifier = "jobmon-classifier";

    public JobView Apply(IEvent<JobSchedulerDetailsReported> e) => this
        with { Scheduler = e.Data.Details, LastChangedAt = At(e) };

    public JobView Apply(IEvent<JobMetadataCorrected> e)
    {
        var d = e.Data;
        var corrected = this with
        {
            JobName = d.JobName ?? JobName,
            Account = d.Account ?? Account,
            Group = d.Group ?? Group,
            JobScript = d.JobScript ?? JobScript,
            NumTasks = d.NumTasks ?? NumTasks,
            GpusPerNode = d.GpusPerNode ?? GpusPerNode,
            TotalGpus = (d.GpusPerNode ?? GpusPerNode) * NumNodes,
            LastChangedAt = At(e),
        };
        return corrected with { SearchText = SearchTextOf(corrected) };
    }

    private static JobView Started(JobView view, JobStarted d, DateTimeOffset at)
    {
        var alreadyEnded = view.StopTime is not null || d.Ended is not null;
        var started = view with
        {
            Cluster = d.Cluster,
            SlurmId = d.SlurmId,
            User = d.User,
            UserId = d.UserId,
            Group = d.Group,
            GroupId = d.GroupId,
            Account = d.Account,
            JobName = d.JobName,
            Partition = d.Partition,
            NumNodes = d.NumNodes,
            NumTasks = d.NumTasks,
            TasksPerNode = d.TasksPerNode,
            GpusPerNode = d.GpusPerNode,
            TotalGpus = d.GpusPerNode * d.NumNodes,
            Nodes = d.Nodes,
            JobScript = d.JobScript,
            ArrayJobId = d.ArrayJobId,
            ArrayTaskId = d.ArrayTaskId,
            NumCpus = d.NumCpus,
            StartTime = d.StartTime,
            StartKnown = true,
            State = alreadyEnded ? view.State : JobState.Running,
            RunningKey = alreadyEnded ? null : RunningKeyOf(d.Cluster, d.SlurmId),
            DurationSeconds = alreadyEnded ? Seconds(d.StartTime, view.StopTime) : null,
            EndReason = view.EndReason == StartNeverReceived ? null : view.EndReason,
            LastChangedAt = at,
        };
        return started with { SearchText = SearchTextOf(started) };
    }

    private JobView Ended(JobEnded d) => this with
    {
        StopTime = d.StopTime,
        ExitCode = d.NoExitCode ? null : d.ExitCode,
        ExitDescription = d.NoExitCode
            ? $"{d.State.ToString().ToLowerInvariant()} (reported by ClusterCockpit, without an exit code)"
            : ExitStatus.Describe(d.ExitCode, d.State),
        State = d.State,
        RunningKey = null,
        DurationSeconds = Seconds(StartTime, d.StopTime),
        EndReason = StartKnown ? null : StartNeverReceived,
    };

    /// <summary>PostgreSQL keeps microseconds: truncating keeps inline results identical to a rebuild's.</summary>
    private static DateTimeOffset At(IEvent e) => new(e.Timestamp.UtcTicks - e.Timestamp.UtcTicks % 10, TimeSpan.Zero);

    public const string StartNeverReceived = "the job's start was never received";

    public static string RunningKeyOf(string cluster, long slurmId) => $"{cluster}/{slurmId}";

    private static string SearchTextOf(JobView v) =>
        ($"{v.SlurmId} {(v.ArrayJobId is { } a ? $"{a}_{v.ArrayTaskId} " : "")}" +
         $"{v.JobName} {v.Account}").ToLowerInvariant();

    /// <summary>"123_4": SLURM's name of task 4 of array job 123.</summary>
    public static readonly System.Text.RegularExpressions.Regex ArrayTaskName = new(@"^\s*(\d{1,11})_(\d{1,9})\s*$");

    private static long? Seconds(DateTimeOffset? start, DateTimeOffset? stop) =>
        start is { } s && stop is { } e ? (long)Math.Max(0, (e - s).TotalSeconds) : null;
}
