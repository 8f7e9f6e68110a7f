using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;

namespace Jobmon.Usage;

public sealed record UsageRow(string Key, UsageTotals Totals);
