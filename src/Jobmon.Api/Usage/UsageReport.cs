using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;

namespace Jobmon.Usage;

/// <param name="Interval">"day" or "month": the buckets used; From/To are whole UTC days (months for "month").</param>
/// <param name="ComputedAt">Running jobs' hours count up to this moment.</param>
public sealed record UsageReport(DateTimeOffset From, DateTimeOffset To, string Interval, string? User,
    DateTimeOffset ComputedAt,
    UsageTotals Totals, List<UsagePeriod> Periods, List<UsageRow> Users, List<UsageRow> Partitions);
