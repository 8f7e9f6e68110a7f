using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;

namespace Jobmon.Usage;

public sealed record UsagePeriod(DateTimeOffset Period, UsageTotals Totals);
