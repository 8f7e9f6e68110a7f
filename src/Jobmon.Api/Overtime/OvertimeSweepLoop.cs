using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;
using Wolverine;

namespace Jobmon.Overtime;

public sealed class OvertimeSweepLoop(IServiceProvider services, JobmonSettings settings,
    IHostApplicationLifetime lifetime, ILogger<OvertimeSweepLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Wolverine takes messages only once the host has started.
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled()))
            try { await started.Task; } catch (TaskCanceledException) { return; }
        using var timer = new PeriodicTimer(settings.SweepInterval);
        do
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
                var result = await bus.InvokeAsync<SweepResult>(new SweepOvertimeJobs(), stoppingToken);
                if (result.Ended > 0) logger.LogInformation("Overtime sweep ended {Ended} of {Examined} jobs",
                    result.Ended, result.Examined);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Overtime sweep failed; retrying at the next interval");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
