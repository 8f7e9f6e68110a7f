using Marten;

namespace Jobmon.Summaries;

public static class SummariesSlice
{
    public static StoreOptions ConfigureSummaries(this StoreOptions opts)
    {
        // The user, partition and group summaries share one daemon shard (a composite projection): each event page
        // is loaded and deserialized once for all three; large pages update a busy user's summary once per page.
        opts.Projections.CompositeProjectionFor("Summaries", summaries =>
        {
            summaries.Add<UserSummaryProjection>();
            summaries.Add<PartitionSummaryProjection>();
            summaries.Add<GroupSummaryProjection>();
            summaries.Options.BatchSize = 5_000;
        });
        return opts;
    }
}
