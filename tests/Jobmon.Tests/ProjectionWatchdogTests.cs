using System.Net;
using System.Text.Json;
using JasperFx.Events.Daemon;
using Jobmon.Summaries;
using Jobmon.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Jobmon.Tests;

/// <summary>
/// An async shard that stops moving while behind fails readiness ("stalled") and the watchdog restarts the daemon's
/// agents: here the coordinator is paused (agents stopped, locks kept), as a daemon left after a failed batch or a lost
/// lease was, which froze the summaries for good (issue: 51 of 112 jobs counted for over 5 minutes).
/// </summary>
public sealed class ProjectionWatchdogTests : IAsyncLifetime
{
    private JobmonApp _app = null!;

    public async Task InitializeAsync() => _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?>
    {
        ["Jobmon:ProjectionStallSeconds"] = "3",
        ["Jobmon:ProjectionLagPollSeconds"] = "1",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_paused_summaries_shard_makes_readiness_fail_and_is_restarted_until_the_summaries_count_every_job()
    {
        var first = new SlurmJob(Unique.Name("wd"), Unique.SlurmId(), User: "watchdog-first");
        (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(first.StartJson()))).EnsureSuccessStatusCode();
        await _app.WaitForProjectionsAsync();

        // The failure mode seen under connection cuts: the daemon stops processing but keeps its shard locks.
        var coordinator = _app.Services.GetRequiredService<IProjectionCoordinator>();
        var shard = coordinator.DaemonForMainDatabase().CurrentAgents().Single(a => a.Name.Identity.StartsWith("Summaries")).Name.Identity;
        await coordinator.PauseAsync();

        const string user = "watchdog-later";
        for (var i = 0; i < 5; i++)
        {
            var job = new SlurmJob(first.Cluster, Unique.SlurmId(), User: user, StartTime: 1_750_000_000 + i);
            (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).EnsureSuccessStatusCode();
        }

        // Readiness reports the stall (503, the shard named) before the watchdog's restart lets it catch up.
        var sawStall = false;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        UserSummary? summary = null;
        var lastReady = "";
        while (DateTime.UtcNow < deadline)
        {
            using var ready = await _app.Client().GetAsync("/health/ready");
            lastReady = await ready.Content.ReadAsStringAsync();
            var body = JsonDocument.Parse(lastReady).RootElement;
            var projections = body.GetProperty("checks").GetProperty("projections");
            if (projections.GetProperty("status").GetString() == "stalled")
            {
                ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
                projections.GetProperty("shards").EnumerateArray().ShouldContain(s => s.GetProperty("shard").GetString() == shard && s.GetProperty("status").GetString() == "stalled");
                sawStall = true;
            }
            using var response = await _app.Admin().GetAsync($"/api/summaries/users/{user}");
            if (response.StatusCode == HttpStatusCode.OK) summary = await response.ReadAs<UserSummary>();
            if (sawStall && summary?.Jobs == 5 && ready.StatusCode == HttpStatusCode.OK) break;
            await Task.Delay(250);
        }
        sawStall.ShouldBeTrue($"readiness never reported the paused shard as stalled; summary: {summary?.Jobs}; last: {lastReady}");
        summary.ShouldNotBeNull("the summaries never caught up after the shard was paused");
        summary.Jobs.ShouldBe(5);
        (await _app.Client().GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
