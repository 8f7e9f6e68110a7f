using System.Globalization;
using System.Linq.Expressions;
using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Marten;
using Marten.Linq.MatchesSql;

namespace Jobmon.Jobs.Querying;

public sealed record JobListItem(
    Guid Id, string Cluster, long JobId, string User, string Group, string Account, string Name, string Partition,
    JobState State, bool StartKnown, DateTimeOffset? StartTime, DateTimeOffset? StopTime, long? DurationSeconds,
    int NumNodes, int NumTasks, int TotalGpus, string NodeList, int? ExitCode, string? ExitDescription,
    IReadOnlyList<JobTag> Tags, IReadOnlyDictionary<string, MetricSummary> Statistics,
    long? ArrayJobId = null, int? ArrayTaskId = null, int? NumCpus = null)
{
    public static JobListItem From(JobView j, DateTimeOffset now) => new(
        j.Id, j.Cluster, j.SlurmId, j.User, j.Group, j.Account, j.JobName, j.Partition, j.State, j.StartKnown,
        j.StartTime, j.StopTime, DurationOf(j, now), j.NumNodes, j.NumTasks, j.TotalGpus,
            string.Join('|', j.Nodes.Take(64)) + (j.Nodes.Length > 64 ? "|…" : ""),
        j.ExitCode, j.ExitDescription, j.Tags, j.Statistics, j.ArrayJobId, j.ArrayTaskId, j.NumCpus);

    public static long? DurationOf(JobView j, DateTimeOffset now) =>
        j.State == JobState.Running && j.StartTime is { } s ? (long)Math.Max(0, (now - s).TotalSeconds)
            : j.DurationSeconds;
}
