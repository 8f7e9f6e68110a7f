using System.Net;
using System.Net.Http.Json;
using Jobmon.Jobs;
using Jobmon.Overtime;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>Admin actions from the web UI carry a reason; it is stored on the events (header "reason") and shown in the history.</summary>
public sealed class AdminActionReasonTests : IAsyncLifetime
{
    private JobmonApp _app = null!;
    // Its own app: a sweep ends every overdue job of the database, other tests' jobs included.
    public async Task InitializeAsync() => _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?>
    {
        ["Jobmon:Partitions:short:MaxTime"] = "3600", ["Jobmon:SweepGrace"] = "00:00:00",
    });
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<Guid> StartAsync(SlurmJob job) =>
        (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<Jobmon.Jobs.Ingestion.IngestionResult>()).JobId;

    private async Task<List<JobHistoryEntry>> HistoryAsync(Guid id) =>
        await (await _app.Admin().GetAsync($"/api/jobs/{id}/history")).ReadAs<List<JobHistoryEntry>>();

    [Fact]
    public async Task The_sweep_and_the_recompute_record_who_asked_and_why()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var overdue = await StartAsync(new SlurmJob("c1", 20, Partition: "short", StartTime: now - 7200));

        var blank = await _app.Admin().PostAsJsonAsync("/api/admin/sweep", new { reason = "  " });
        blank.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await blank.Content.ReadAsStringAsync()).ShouldContain("reason");
        (await (await _app.Admin().PostAsJsonAsync("/api/admin/sweep", new { reason = "epilogs lost during the slurmctld restart" }))
            .ReadAs<SweepResult>()).Ended.ShouldBe(1);
        var timedOut = (await HistoryAsync(overdue)).Last();
        timedOut.Type.ShouldBe("job_timed_out");
        timedOut.Reason.ShouldBe("epilogs lost during the slurmctld restart");
        timedOut.CausedBy.ShouldBe("admin-token");
        timedOut.Source.ShouldBe("admin");

        var recompute = await _app.Admin().PostAsJsonAsync($"/api/admin/jobs/{overdue}/statistics", new { reason = "catalogue peaks fixed" });
        recompute.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var requested = (await HistoryAsync(overdue)).Single(h => h.Type == "job_statistics_recompute_requested");
        requested.Reason.ShouldBe("catalogue peaks fixed");
        requested.CausedBy.ShouldBe("admin-token");
        (await _app.Admin().PostAsJsonAsync($"/api/admin/jobs/{Guid.NewGuid()}/statistics", new { reason = "x" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Events without a reason (the timer's sweep, ingestion) have none.
        (await HistoryAsync(overdue)).First().Reason.ShouldBeNull();
    }
}
