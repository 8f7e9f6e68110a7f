using JasperFx.Events;
using Jobmon.Jobs;
using Jobmon.Metrics;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Usage;

/// <summary>
/// Time-bucketed usage of one user on one cluster partition: a calendar month (UTC) or a day (UTC). Id
/// "m|user|cluster|partition|2026-11" or "d|user|cluster|partition|2026-11-03". A job's hours are split across the
/// buckets its run overlaps; it is counted (jobs by end state, jobs with findings) in the bucket where it ended.
/// </summary>
public sealed class UsageBucket
{
    public string Id { get; set; } = "";
    /// <summary>"month" or "day".</summary>
    public string Kind { get; set; } = "";
    public string User { get; set; } = "";
    public string Cluster { get; set; } = "";
    public string Partition { get; set; } = "";
    public DateTimeOffset Period { get; set; }
    public Dictionary<string, UsageFigures> States { get; set; } = new();
    /// <summary>Keyed by job id: a set, so a recomputed classification replaces the job's entry instead of counting
    /// twice.</summary>
    public Dictionary<string, FindingEntry> Findings { get; set; } = new();
    public Dictionary<string, RunningJob> Running { get; set; } = new();
    /// <summary>A column, so the query finds the buckets with running jobs without reading the others.</summary>
    public int RunningCount { get; set; }

    public const string Month = "month", Day = "day";

    public static DateTimeOffset PeriodOf(string kind, DateTimeOffset t) =>
        kind == Month ? new DateTimeOffset(t.UtcDateTime.Year, t.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero)
            : new DateTimeOffset(t.UtcDateTime.Date, TimeSpan.Zero);

    public static DateTimeOffset Next(string kind, DateTimeOffset period) => kind == Month ? period.AddMonths(1)
        : period.AddDays(1);

    public static string IdOf(string kind, string user, string cluster, string partition, DateTimeOffset period) =>
        $"{(kind == Month ? "m" : "d")}|{user}|{cluster}|{partition}|" +
        period.UtcDateTime.ToString(kind == Month ? "yyyy-MM" : "yyyy-MM-dd");
}
