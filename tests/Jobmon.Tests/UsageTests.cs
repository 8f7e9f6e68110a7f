using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using Jobmon.Admin;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Metrics;
using Jobmon.Tests.Infrastructure;
using Jobmon.Usage;
using Marten;

namespace Jobmon.Tests;

/// <summary>The usage projection and GET /api/usage against real PostgreSQL, with hand-worked numbers.</summary>
public sealed class UsageTests
{
    private static long Unix(string iso) => DateTimeOffset.Parse(iso, null, System.Globalization.DateTimeStyles.AssumeUniversal).ToUnixTimeSeconds();

    private static async Task<Guid> StartAsync(JobmonApp app, SlurmJob job, int cpus) =>
        (await (await app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson().Replace("\"isRunning\": true", $"\"isRunning\": true, \"numCpus\": {cpus}"))))
            .ReadAs<IngestionResult>()).JobId;

    private static async Task StopAsync(JobmonApp app, SlurmJob job, int exit, long stop) =>
        (await app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster={job.Cluster}", SlurmJob.StopJson(exit, stop))).EnsureSuccessStatusCode();

    private static async Task<HttpClient> LoginAsync(JobmonApp app, string name)
    {
        (await app.Admin().PostAsJsonAsync("/api/admin/users", new { username = name, password = $"{name}-password-1", roles = new[] { "user" } })).EnsureSuccessStatusCode();
        var client = app.Client();
        var response = await client.PostAsJsonAsync("/api/login", new { username = name, password = $"{name}-password-1" });
        response.EnsureSuccessStatusCode();
        client.DefaultRequestHeaders.Add("Cookie", response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("Authorization=")).Split(';')[0]);
        return client;
    }

    /// <summary>
    /// uma's jobs on c1:
    ///  A: 2 nodes, 16 CPUs, 2026-10-31 22:00 → 2026-11-01 04:00 (6 h, completed): October 2 h (4 node-h, 32 core-h),
    ///     November 4 h (8 node-h, 64 core-h); counted in November.
    ///  B: 1 node × 4 GPUs, 8 CPUs, 2026-11-02 10:00 → 13:00 (3 h, exit status 256 = failed): 3 node-h, 12 GPU-h, 24 core-h;
    ///     classified idle-gpus, so 12 wasted GPU-h and 1 of 2 November jobs with findings.
    ///  C: running since two hours before the test, 3 nodes: about 2 wall-h and 6 node-h up to now.
    /// vic (another user): D, 1 node, 2026-11-05 00:00 → 01:00 completed.
    /// </summary>
    private static async Task<(Guid B, DateTimeOffset CStart)> SeedAsync(JobmonApp app)
    {
        var a = new SlurmJob("c1", 101, User: "uma", NumNodes: 2, Nodes: "n1|n2", StartTime: Unix("2026-10-31T22:00:00Z"));
        var b = new SlurmJob("c1", 102, User: "uma", Partition: "gpu", NumNodes: 1, Nodes: "g1", StartTime: Unix("2026-11-02T10:00:00Z"), Gpus: 4);
        var cStart = DateTimeOffset.UtcNow.AddHours(-2);
        var c = new SlurmJob("c1", 103, User: "uma", NumNodes: 3, Nodes: "n3|n4|n5", StartTime: cStart.ToUnixTimeSeconds());
        var d = new SlurmJob("c1", 104, User: "vic", NumNodes: 1, Nodes: "n6", StartTime: Unix("2026-11-05T00:00:00Z"));
        await StartAsync(app, a, 16); var bId = await StartAsync(app, b, 8); await StartAsync(app, c, 4); await StartAsync(app, d, 2);
        await StopAsync(app, a, 0, Unix("2026-11-01T04:00:00Z"));
        await StopAsync(app, b, 256, Unix("2026-11-02T13:00:00Z"));
        await StopAsync(app, d, 0, Unix("2026-11-05T01:00:00Z"));
        // What the job-end processing appends after its classification (here without InfluxDB).
        await app.AppendJobEventsAsync(bId, new JobClassified(bId, [new JobFinding("idle-gpus", "GPUs were nearly idle: mean utilisation 1 %")]));
        await app.WaitForProjectionsAsync();
        return (bId, DateTimeOffset.FromUnixTimeSeconds(cStart.ToUnixTimeSeconds()));
    }

    private static void CheckMonths(UsageReport r, DateTimeOffset cStart, DateTimeOffset before, DateTimeOffset after)
    {
        r.Interval.ShouldBe("month");
        var oct = r.Periods.Single(p => p.Period == DateTimeOffset.Parse("2026-10-01T00:00:00Z")).Totals;
        oct.WallHours.ShouldBe(2, 1e-9); oct.NodeHours.ShouldBe(4, 1e-9); oct.CoreHours.ShouldBe(32, 1e-9); oct.Jobs.ShouldBe(0);
        var nov = r.Periods.Single(p => p.Period == DateTimeOffset.Parse("2026-11-01T00:00:00Z")).Totals;
        nov.WallHours.ShouldBe(7, 1e-9); nov.NodeHours.ShouldBe(11, 1e-9); nov.GpuHours.ShouldBe(12, 1e-9); nov.CoreHours.ShouldBe(88, 1e-9);
        nov.Jobs.ShouldBe(2); nov.ByState["completed"].ShouldBe(1); nov.ByState["failed"].ShouldBe(1);
        nov.JobsWithFindings.ShouldBe(1); nov.FindingsShare.ShouldBe(0.5, 1e-9); nov.WastedGpuHours.ShouldBe(12, 1e-9);
        // The running job: from its start to the moment of the query.
        var dec = r.Periods.Single(p => p.Period == DateTimeOffset.Parse("2026-12-01T00:00:00Z")).Totals;
        dec.Running.ShouldBe(1);
        dec.WallHours.ShouldBeInRange((before - cStart).TotalHours - 1e-9, (after - cStart).TotalHours + 1e-9);
        dec.NodeHours.ShouldBe(dec.WallHours * 3, 1e-9);
        r.Totals.Jobs.ShouldBe(2); r.Totals.Running.ShouldBe(1);
        r.Totals.NodeHours.ShouldBe(15 + dec.NodeHours, 1e-9);
    }

    [Fact]
    public async Task Usage_splits_jobs_across_months_and_days_counts_running_jobs_up_to_now_and_survives_a_rebuild()
    {
        await using var app = await JobmonApp.StartAsync();
        var (_, cStart) = await SeedAsync(app);
        var uma = await LoginAsync(app, "uma");
        const string months = "/api/usage?from=2026-10-01&to=2026-12-31&interval=month";

        var before = DateTimeOffset.UtcNow;
        var own = await (await uma.GetAsync(months)).ReadAs<UsageReport>();
        var after = DateTimeOffset.UtcNow;
        own.User.ShouldBe("uma");
        CheckMonths(own, cStart, before, after);
        own.Partitions.Select(p => p.Key).ShouldBe(["c1/cpuonly", "c1/gpu"]);

        // Days: A's 6 h are 2 on Oct 31 and 4 on Nov 1 ("to" is exclusive at midnight).
        var days = await (await uma.GetAsync("/api/usage?from=2026-10-31&to=2026-11-02")).ReadAs<UsageReport>();
        days.Interval.ShouldBe("day");
        days.Periods.Select(p => p.Period.UtcDateTime.Day).ShouldBe([31, 1]);
        days.Periods[0].Totals.NodeHours.ShouldBe(4, 1e-9);
        days.Periods[1].Totals.NodeHours.ShouldBe(8, 1e-9);
        days.Periods[1].Totals.Jobs.ShouldBe(1);
        days.Totals.Running.ShouldBe(0);

        // State filter: failed only is B alone; running only is C alone.
        var failed = await (await uma.GetAsync(months + "&state=failed")).ReadAs<UsageReport>();
        failed.Totals.NodeHours.ShouldBe(3, 1e-9); failed.Totals.Jobs.ShouldBe(1); failed.Totals.Running.ShouldBe(0); failed.Totals.WastedGpuHours.ShouldBe(12, 1e-9);
        var running = await (await uma.GetAsync(months + "&state=running")).ReadAs<UsageReport>();
        running.Totals.Jobs.ShouldBe(0); running.Totals.Running.ShouldBe(1);
        (await (await uma.GetAsync(months + "&cluster=other")).ReadAs<UsageReport>()).Totals.NodeHours.ShouldBe(0);

        // A user sees only their own; admins anyone's, or everybody's by user.
        (await uma.GetAsync("/api/usage?user=vic")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var everybody = await (await app.Admin().GetAsync("/api/usage?from=2026-11-01&to=2026-11-30&interval=day")).ReadAs<UsageReport>();
        everybody.User.ShouldBeNull();
        everybody.Users.Single(u => u.Key == "vic").Totals.NodeHours.ShouldBe(1, 1e-9);
        everybody.Users.Single(u => u.Key == "uma").Totals.NodeHours.ShouldBe(11, 1e-9);
        (await (await app.Admin().GetAsync("/api/usage?from=2026-11-01&to=2026-11-30&user=vic")).ReadAs<UsageReport>()).Totals.Jobs.ShouldBe(1);

        // Bad input: 400 naming the field.
        foreach (var (query, field) in new[] { ("interval=week", "interval"), ("from=yesterday", "from"), ("state=done", "state"), ("node=n1", "node"), ("from=2026-11-02&to=2026-11-01", "to") })
        {
            var response = await uma.GetAsync($"/api/usage?{query}");
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, query);
            (await response.Content.ReadAsStringAsync()).ShouldContain($"\"{field}\"");
        }

        // A rebuild from the events gives the same numbers.
        await using (var session = app.Store.LightweightSession())
        {
            session.DeleteWhere<UsageBucket>(_ => true);
            await session.SaveChangesAsync();
        }
        (await (await uma.GetAsync(months)).ReadAs<UsageReport>()).Totals.NodeHours.ShouldBe(0);
        (await app.Admin().PostAsync("/api/admin/projections/Usage/rebuild", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        ProjectionStatus status;
        do
        {
            await Task.Delay(200);
            status = (await (await app.Admin().GetAsync("/api/admin/projections")).ReadAs<ProjectionsOverview>()).Projections.Single(p => p.Name == "Usage");
        } while (status.Rebuild?.State == "running" && DateTime.UtcNow < deadline);
        status.Rebuild!.State.ShouldBe("completed", status.Rebuild.Error);
        await app.WaitForProjectionsAsync();
        before = DateTimeOffset.UtcNow;
        var rebuilt = await (await uma.GetAsync(months)).ReadAs<UsageReport>();
        after = DateTimeOffset.UtcNow;
        CheckMonths(rebuilt, cStart, before, after);
    }

    [Fact]
    public async Task A_final_state_correction_moves_the_hours_and_a_second_classification_does_not_count_twice()
    {
        await using var app = await JobmonApp.StartAsync();
        var (bId, _) = await SeedAsync(app);
        // A recomputed classification replaces the first one: still one job with findings. Appended through the
        // job-stream writer, as job-end processing does (no code appends job events past it).
        var writer = app.Services.GetRequiredService<Jobmon.Jobs.Writing.JobStreamWriter>();
        var written = await writer.WriteAsync(bId, new Jobmon.Infrastructure.EventContext("test", "usage-test", "test"), (current, _) =>
            new Jobmon.Jobs.Writing.Decision.Append(bId, false, [new JobClassified(bId, [new JobFinding("idle-gpus", "again")])], "classified"),
            CancellationToken.None);
        written.ShouldBeOfType<Jobmon.Jobs.Writing.Decision.Append>();
        // SLURM's final record: B was cancelled, not failed.
        (await app.Ingest().PatchJson("/api/job_stop/102?cluster=c1",
            $$"""{"exitCode": 0, "stopTime": {{Unix("2026-11-02T13:00:00Z")}}, "state": "CANCELLED", "final": true}""")).EnsureSuccessStatusCode();
        await app.WaitForProjectionsAsync();
        var nov = await (await app.Admin().GetAsync("/api/usage?from=2026-11-01&to=2026-11-30&interval=month&user=uma")).ReadAs<UsageReport>();
        nov.Totals.ByState.ShouldNotContainKey("failed");
        nov.Totals.ByState["cancelled"].ShouldBe(1);
        nov.Totals.JobsWithFindings.ShouldBe(1);
        var cancelled = await (await app.Admin().GetAsync("/api/usage?from=2026-11-01&to=2026-11-30&interval=month&user=uma&state=cancelled")).ReadAs<UsageReport>();
        cancelled.Totals.GpuHours.ShouldBe(12, 1e-9);
        cancelled.Totals.WastedGpuHours.ShouldBe(12, 1e-9);
    }
}
