using Jobmon.Accounts;
using Jobmon.Compat;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Metrics;
using Marten;

namespace Jobmon.DropIn;

/// <summary>At start-up, brings the original config.json's catalogue and local users in (idempotent: unchanged entries
/// are skipped).</summary>
public sealed class OriginalConfigStartupImport(JobmonSettings settings, IDocumentStore store,
    CatalogueStore catalogue, ILogger<OriginalConfigStartupImport> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (settings.OriginalConfig is not { } config) return;
        var report = await OriginalConfigImport.ImportAsync(config, store, catalogue,
            new EventContext("config.json", Guid.NewGuid().ToString("N"), "original-config"), dryRun: false, ct);
        logger.LogInformation("Original config {Source}: {Metrics} metrics, {Partitions} partitions, {Accounts} " +
            "accounts imported; {Problems} problems",
            config.SourceName, report.Metrics.Count, report.Partitions.Count, report.Accounts.Count,
                report.Problems.Count);
        foreach (var problem in report.Problems) logger.LogWarning("Original config: {Problem}", problem);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
