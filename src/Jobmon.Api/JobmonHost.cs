using Jobmon.Accounts;
using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Metrics;
using Jobmon.Summaries;
using Jobmon.Usage;
using Marten;

namespace Jobmon;

/// <summary>The composition root's store: the store-wide options, then each slice's documents, projections and
/// events, in the order they were always registered. Shared by the app and the benchmark's bulk loader.</summary>
public static class JobmonHost
{
    public static void ConfigureStore(StoreOptions opts, JobmonSettings settings)
    {
        MartenSetup.ConfigureStoreWide(opts, settings);
        opts.ConfigureJobs()
            .ConfigureSummaries()
            .ConfigureUsage()
            .ConfigureAccounts()
            .ConfigureMetrics()
            .ConfigureJobViewSchema();
    }
}
