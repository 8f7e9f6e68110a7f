using JasperFx.Events.Projections;
using Marten;

namespace Jobmon.Usage;

public static class UsageSlice
{
    public static StoreOptions ConfigureUsage(this StoreOptions opts)
    {
        // Usage per user × cluster × partition × month and day (UsageProjection.cs): its own shard, so the
        // summaries do not wait for its view lookups.
        opts.Projections.Add<UsageProjection>(ProjectionLifecycle.Async, o => o.BatchSize = 5_000);
        UsageSchema.Configure(opts);
        return opts;
    }
}
