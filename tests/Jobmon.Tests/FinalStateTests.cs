using System.Net;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Querying;
using Jobmon.Summaries;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>The script's second report (SLURM's final record, <c>"final": true</c> on the v1 job_stop) and the array/CPU
/// fields of job_start, through the real HTTP pipeline and PostgreSQL. RealSlurmTests runs the same under real SLURM.</summary>
public sealed class FinalStateTests : IAsyncLifetime
{
    private JobmonApp _app = null!;

    public async Task InitializeAsync() => _app = await JobmonApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<Guid> StartAsync(SlurmJob job, string extra = "")
    {
        var body = job.StartJson().TrimEnd().TrimEnd('}') + extra + "}";
        return (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(body))).ReadAs<IngestionResult>()).JobId;
    }

    private Task<HttpResponseMessage> StopAsync(SlurmJob job, string body) =>
        _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster={job.Cluster}", body);

    private async Task<JobDetail> JobAsync(Guid id) => await (await _app.Admin().GetAsync($"/api/jobs/{id}")).ReadAs<JobDetail>();

    [Fact]
    public async Task A_final_record_that_differs_is_a_correction_beside_the_first_report()
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId(), User: Unique.Name("u"));
        var id = await StartAsync(job);
        (await StopAsync(job, SlurmJob.StopJson(0, job.StartTime + 100))).EnsureSuccessStatusCode();
        var final = await (await StopAsync(job, $$"""{"exitCode": 15, "stopTime": {{job.StartTime + 100}}, "state": "CANCELLED", "reason": "None", "final": true}"""))
            .ReadAs<IngestionResult>();
        final.JobId.ShouldBe(id);
        final.Stored.ShouldBeTrue();

        var detail = await JobAsync(id);
        detail.State.ShouldBe(JobState.Cancelled);
        detail.ExitCode.ShouldBe(15);
        detail.ExitDescription.ShouldBe("cancelled, killed by signal 15 (SIGTERM)");
        detail.FirstReportedEnd.ShouldBe("completed, exit code 0 (success)");
        detail.StopTime.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(job.StartTime + 100));
        var history = await (await _app.Admin().GetAsync($"/api/jobs/{id}/history")).ReadAs<List<JobHistoryEntry>>();
        history.Select(h => (h.Type, h.Source)).ShouldBe([("job_started", "slurm-v1"), ("job_ended", "slurm-v1"), ("job_end_corrected", "slurm-final")]);
        history[2].Data.GetProperty("previousState").GetString().ShouldBe("completed");

        // The summaries move the job from completed to cancelled.
        await _app.WaitForProjectionsAsync();
        var summary = await (await _app.Admin().GetAsync($"/api/summaries/users/{job.User}")).ReadAs<UserSummary>();
        summary.ByState.GetValueOrDefault("completed").ShouldBe(0);
        summary.ByState["cancelled"].ShouldBe(1);

        // The same final record again, or one that agrees with the first report, stores nothing.
        var again = await (await StopAsync(job, $$"""{"exitCode": 15, "stopTime": {{job.StartTime + 100}}, "state": "CANCELLED", "final": true}"""))
            .ReadAs<IngestionResult>();
        again.Stored.ShouldBeFalse();
        (await (await _app.Admin().GetAsync($"/api/jobs/{id}/history")).ReadAs<List<JobHistoryEntry>>()).Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_final_record_for_a_job_whose_stop_was_lost_ends_it_in_SLURMs_state()
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        var id = await StartAsync(job);
        (await StopAsync(job, $$"""{"exitCode": 15, "stopTime": {{job.StartTime + 60}}, "state": "TIMEOUT", "reason": "TimeLimit", "final": true}"""))
            .EnsureSuccessStatusCode();
        var detail = await JobAsync(id);
        detail.State.ShouldBe(JobState.Timeout);
        detail.FirstReportedEnd.ShouldBeNull();
        var page = await (await _app.Admin().GetAsync($"/api/jobs?cluster={job.Cluster}&state=timeout")).ReadAs<JobListPage>();
        page.Items.ShouldHaveSingleItem().Id.ShouldBe(id);
    }

    [Theory]
    [InlineData("""{"exitCode": 0, "stopTime": 1750000100, "state": "RUNNING", "final": true}""", "state")]
    [InlineData("""{"exitCode": 0, "stopTime": 1750000100, "final": true}""", "state")]
    [InlineData("""{"exitCode": 0, "stopTime": 1750000100, "final": "yes", "state": "FAILED"}""", "final")]
    public async Task A_malformed_final_record_is_a_problem_naming_the_field(string body, string field)
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        await StartAsync(job);
        var response = await StopAsync(job, body);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain($"\"{field}\"");
    }

    [Fact]
    public async Task Array_tasks_are_found_by_their_SLURM_name_and_the_CPU_count_is_kept()
    {
        var cluster = Unique.Name("c");
        var task4 = new SlurmJob(cluster, Unique.SlurmId(), Account: "(none)");
        var task45 = new SlurmJob(cluster, Unique.SlurmId());
        var id4 = await StartAsync(task4, """, "arrayJobId": 777, "arrayTaskId": 4, "numCpus": 96""");
        await StartAsync(task45, """, "arrayJobId": 777, "arrayTaskId": 45, "numCpus": 2""");

        var page = await (await _app.Admin().GetAsync($"/api/jobs?cluster={cluster}&q=777_4")).ReadAs<JobListPage>();
        var item = page.Items.ShouldHaveSingleItem();
        item.Id.ShouldBe(id4);
        (item.ArrayJobId, item.ArrayTaskId, item.NumCpus).ShouldBe((777L, 4, 96));
        var detail = await JobAsync(id4);
        (detail.ArrayJobId, detail.ArrayTaskId, detail.NumCpus).ShouldBe((777L, 4, 96));

        var bad = await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(
            new SlurmJob(cluster, Unique.SlurmId()).StartJson().TrimEnd().TrimEnd('}') + """, "arrayJobId": 5}"""));
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("\"arrayTaskId\"");
    }
}
