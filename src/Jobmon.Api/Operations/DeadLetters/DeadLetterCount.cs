using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Jobmon.Infrastructure;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace Jobmon.Operations.DeadLetters;

/// <summary>The dead letter count for Prometheus (<c>jobmon_dead_letters</c>), polled every
/// <c>Jobmon:DeadLetterPollSeconds</c> (default 30): a gauge callback must not query the database.</summary>
public sealed class DeadLetterCount(IWolverineRuntime runtime, IConfiguration configuration,
    ILogger<DeadLetterCount> logger) : BackgroundService
{
    private readonly Meter _meter = new(JobmonTelemetry.MeterName);
    private long _count = -1;

    public long Current => Interlocked.Read(ref _count);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _meter.CreateObservableGauge("jobmon_dead_letters",
            () => Current < 0 ? [] : new[] { new Measurement<long>(Current) },
            description: "Messages whose retry budget was used up (admin page Dead letters: requeue or delete)");
        var every = TimeSpan.FromSeconds(configuration.GetValue("Jobmon:DeadLetterPollSeconds", 30.0));
        using var timer = new PeriodicTimer(every);
        do
        {
            try { Interlocked.Exchange(ref _count, await DeadLetterAdmin.CountAsync(runtime, null, stoppingToken)); }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug("Could not count dead letters: {Message}", e.Message);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }
}
