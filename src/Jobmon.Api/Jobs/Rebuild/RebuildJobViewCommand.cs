using System.Threading.Channels;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using Marten.Schema;
using Marten;
using Npgsql;
using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Rebuild;

/// <summary><c>rebuild-job-view</c>: the bulk rebuild from the command line (the JasperFx <c>projections rebuild</c>
/// command stays available and rebuilds through Marten's async daemon, much more slowly).</summary>
public static class RebuildJobViewCommand
{
    public static async Task<int> RunAsync(WebApplication app)
    {
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        var progress = new InlineProgress<RebuildProgress>(p =>
        {
            if (started.Elapsed - last < TimeSpan.FromSeconds(2)) return;
            last = started.Elapsed;
            Console.WriteLine($"{p.Streams:N0} of {p.StreamsTotal:N0} jobs, {p.Events:N0} events");
        });
        var done = await app.Services.GetRequiredService<JobViewRebuild>().RunAsync(progress, CancellationToken.None);
        Console.WriteLine($"Rebuilt the job view: {done.Streams:N0} jobs from {done.Events:N0} events in " +
            $"{started.Elapsed.TotalSeconds:F1} s " +
                          $"({done.Events / Math.Max(0.001, started.Elapsed.TotalSeconds):F0} events/s)");
        return 0;
    }
}
