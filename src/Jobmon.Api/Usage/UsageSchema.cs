using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;

namespace Jobmon.Usage;

public static class UsageSchema
{
    public static void Configure(StoreOptions opts)
    {
        var buckets = opts.Schema.For<UsageBucket>();
        // "one user's months/days in a range" and "everybody's days in a range": index range scans.
        buckets.Duplicate(x => x.User, configure: i => i.Columns = ["user", "kind", "period"]);
        buckets.Duplicate(x => x.Kind, configure: i => i.Columns = ["kind", "period"]);
        buckets.Duplicate(x => x.Period, notNull: false, configure: i => i.Columns = ["period"]);
        buckets.Duplicate(x => x.Cluster);
        buckets.Duplicate(x => x.RunningCount, configure: i => i.Columns = ["running_count", "user"]);
    }
}
