using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Jobmon.Accounts;
using Jobmon.Compat;
using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Writing;
using Jobmon.Metrics;
using Marten;
using Npgsql;

namespace Jobmon.DropIn;

/// <summary>`Jobmon.Api import-original --from "&lt;connection string&gt;" [--dry-run] [--follow SECONDS]`: the
/// command-line
/// entry of the import. With --follow it imports again every SECONDS until stopped (Ctrl+C, SIGTERM), printing what
/// changed, so no job falls into the gap while the SLURM script is switched from the original to Jobmon.</summary>
public static class ImportOriginalCommand
{
    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var from = args.SkipWhile(a => a != "--from").Skip(1).FirstOrDefault();
        var dryRun = args.Contains("--dry-run");
        var followText = args.SkipWhile(a => a != "--follow").Skip(1).FirstOrDefault();
        int? follow = null;
        if (args.Contains("--follow"))
        {
            if (!int.TryParse(followText, out var seconds) || seconds < 1 || seconds > 86400)
            {
                Console.Error.WriteLine("--follow needs the interval in seconds (1-86400), e.g. --follow 60");
                return 2;
            }
            follow = seconds;
        }
        if (string.IsNullOrWhiteSpace(from))
        {
            Console.Error.WriteLine("usage: import-original " +
                "--from \"Host=…;Username=…;Password=…;Database=…\" [--dry-run] [--follow SECONDS]");
            return 2;
        }
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var importer = app.Services.GetRequiredService<OriginalDatabaseImport>();
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        while (true)
        {
            DatabaseImportReport report;
            try { report = await importer.ImportAsync(from, dryRun, stop.Token); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return 0; }
            catch (Exception e) when (follow is not null && e is NpgsqlException or TimeoutException)
            {
                // Following through the switch-over: a dropped connection to either database is retried next round.
                Console.Error.WriteLine(
                    $"{DateTimeOffset.UtcNow:u} import failed, retrying in {follow} s: {e.Message}");
                report = new DatabaseImportReport(dryRun, 0, 0, 0, 0, 0, 0, [e.Message]);
            }
            Console.WriteLine(JsonSerializer.Serialize(report, json));
            if (follow is not { } seconds) return 0;
            try { await Task.Delay(TimeSpan.FromSeconds(seconds), stop.Token); }
            catch (OperationCanceledException) { return 0; }
        }
    }
}
