using System.Net;
using System.Text.Json;
using Jobmon.Admin;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Overtime;
using Jobmon.Jobs.Querying;
using Jobmon.Summaries;
using Jobmon.Tests.Infrastructure;
using Marten;

namespace Jobmon.Tests;

/// <summary>Tests that need their own database: summaries, sweeper, rebuild, several processes.</summary>
public sealed class ProjectionTests
{
    private const long T0 = 1_760_000_000;

    private static async Task<Guid> StartAsync(JobmonApp app, SlurmJob job) =>
        (await (await app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>()).JobId;

    private static async Task StopAsync(JobmonApp app, SlurmJob job, int exit, long stop) =>
        (await app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster={job.Cluster}", SlurmJob.StopJson(exit, stop))).EnsureSuccessStatusCode();

    /// <summary>A realistic mix: completed, failed, cancelled, running, a lost start, a late start, tags, a correction, a sweep.</summary>
    private static async Task SeedMixAsync(JobmonApp app)
    {
        for (var i = 0; i < 30; i++)
        {
            var job = new SlurmJob(i % 3 == 0 ? "horeka" : "haicore", 1000 + i, User: $"user{i % 4}", Partition: i % 2 == 0 ? "cpuonly" : "accelerated",
                NumNodes: 1 + i % 4, Nodes: string.Join('|', Enumerable.Range(0, 1 + i % 4).Select(n => $"n{i:000}{n}")), StartTime: T0 + i * 600, Gpus: i % 2 == 0 ? 0 : 4);
            var id = await StartAsync(app, job);
            if (i % 5 != 4) await StopAsync(app, job, i % 7 == 0 ? 256 : i % 11 == 0 ? 9 : 0, job.StartTime + 300 + i * 60);
            if (i % 6 == 0)
                (await app.Admin().PostAsync($"/api/jobs/{id}/tags", HttpExtensions.FormJson("""{"name":"reviewed","visibility":"public"}"""))).EnsureSuccessStatusCode();
            if (i == 3)
                (await app.Admin().PatchJson($"/api/jobs/{id}/metadata", """{"jobName":"renamed","reason":"test"}""")).EnsureSuccessStatusCode();
        }
        // Lost prolog, then the start arrives late; and a stop that never gets its start.
        var late = new SlurmJob("horeka", 5000, User: "user9", StartTime: T0 + 100);
        await StopAsync(app, late, 0, T0 + 900);
        await StartAsync(app, late);
        await StopAsync(app, new SlurmJob("horeka", 5001), 0, T0 + 950);
        // A job running far past any MaxTime: swept.
        await StartAsync(app, new SlurmJob("horeka", 6000, User: "user1", StartTime: T0 - 40 * 86400));
        (await app.Admin().PostAsync("/api/admin/sweep", null)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task User_and_partition_summaries_follow_the_events()
    {
        await using var app = await JobmonApp.StartAsync();
        var a = new SlurmJob("c1", 1, User: "ann", NumNodes: 2, StartTime: T0, Gpus: 2);
        var b = new SlurmJob("c1", 2, User: "ann", NumNodes: 1, Nodes: "n9", StartTime: T0 + 10);
        await StartAsync(app, a); await StartAsync(app, b);
        await StopAsync(app, a, 256, T0 + 7200);
        await app.WaitForProjectionsAsync();

        var ann = await (await app.Admin().GetAsync("/api/summaries/users/ann")).ReadAs<UserSummary>();
        ann.Jobs.ShouldBe(2);
        ann.Running.ShouldBe(1);
        ann.ByState["failed"].ShouldBe(1);
        ann.NodeHours.ShouldBe(4, tolerance: 1e-9);
        ann.GpuHours.ShouldBe(8, tolerance: 1e-9);
        ann.DurationHistogram["1-6h"].ShouldBe(1);
        ann.NodesHistogram["2-4"].ShouldBe(1);
        var partitions = await (await app.Admin().GetAsync("/api/summaries/partitions")).ReadAs<List<PartitionSummary>>();
        partitions.Single(p => p.Id == "c1/cpuonly").Jobs.ShouldBe(2);
        var groups = await (await app.Admin().GetAsync("/api/summaries/groups")).ReadAs<List<GroupSummary>>();
        groups.Single(g => g.Id == "hpcusers").NodeHours.ShouldBe(4, tolerance: 1e-9);
    }

    [Fact]
    public async Task Overtime_sweeper_ends_jobs_past_MaxTime_and_records_why()
    {
        await using var app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?>
        {
            ["Jobmon:Partitions:short:MaxTime"] = "3600", ["Jobmon:SweepGrace"] = "00:00:00",
        });
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var overdue = new SlurmJob("c1", 10, Partition: "short", StartTime: now - 7200);
        var fresh = new SlurmJob("c1", 11, Partition: "short", StartTime: now - 60);
        var unconfigured = new SlurmJob("c1", 12, Partition: "nowhere", StartTime: now - 30 * 86400);
        var idOverdue = await StartAsync(app, overdue); var idFresh = await StartAsync(app, fresh); var idUnconf = await StartAsync(app, unconfigured);

        var result = await (await app.Admin().PostAsync("/api/admin/sweep", null)).ReadAs<SweepResult>();
        result.Ended.ShouldBe(2);
        var swept = await (await app.Admin().GetAsync($"/api/jobs/{idOverdue}")).ReadAs<JobDetail>();
        swept.State.ShouldBe(JobState.Timeout);
        swept.StopTime.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(now - 7200 + 3600));
        swept.EndReason!.ShouldContain("partition short's MaxTime");
        (await (await app.Admin().GetAsync($"/api/jobs/{idUnconf}")).ReadAs<JobDetail>()).EndReason!.ShouldContain("default MaxTime");
        (await (await app.Admin().GetAsync($"/api/jobs/{idFresh}")).ReadAs<JobDetail>()).State.ShouldBe(JobState.Running);
        var history = await (await app.Admin().GetAsync($"/api/jobs/{idOverdue}/history")).ReadAs<List<JobHistoryEntry>>();
        history.Last().Type.ShouldBe("job_timed_out");
        history.Last().CausedBy.ShouldBe("overtime-sweeper");
        history.Last().Source.ShouldBe("sweeper");

        // A second sweep finds nothing more; the real epilog arriving late supersedes the sweeper's guess.
        (await (await app.Admin().PostAsync("/api/admin/sweep", null)).ReadAs<SweepResult>()).Ended.ShouldBe(0);
        await StopAsync(app, overdue, 0, now - 10);
        var final = await (await app.Admin().GetAsync($"/api/jobs/{idOverdue}")).ReadAs<JobDetail>();
        final.State.ShouldBe(JobState.Completed);
        final.ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task Rebuilding_every_projection_reproduces_every_document()
    {
        await using var app = await JobmonApp.StartAsync();
        await SeedMixAsync(app);
        await app.WaitForProjectionsAsync();
        var before = await SnapshotAsync(app.Store);
        var rowsBefore = await JobViewRowsAsync(app);
        before["JobView"].Count.ShouldBe(33);
        before["UserSummary"].Count.ShouldBeGreaterThan(3);

        await using (var session = app.Store.LightweightSession())
        {
            session.DeleteWhere<JobView>(_ => true);
            session.DeleteWhere<UserSummary>(_ => true);
            session.DeleteWhere<PartitionSummary>(_ => true);
            await session.SaveChangesAsync();
        }
        (await SnapshotAsync(app.Store))["JobView"].Count.ShouldBe(0);

        foreach (var name in new[] { "JobView", "Summaries" })
        {
            (await app.Admin().PostAsync($"/api/admin/projections/{name}/rebuild", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            ProjectionStatus status;
            do
            {
                await Task.Delay(200);
                var overview = await (await app.Admin().GetAsync("/api/admin/projections")).ReadAs<ProjectionsOverview>();
                status = overview.Projections.Single(p => p.Name == name);
            } while (status.Rebuild?.State == "running" && DateTime.UtcNow < deadline);
            status.Rebuild!.State.ShouldBe("completed", status.Rebuild.Error);
        }
        await app.WaitForProjectionsAsync();
        var after = await SnapshotAsync(app.Store);
        // The bulk job view rebuild writes every column as the inline projection does (revision, duplicated fields).
        var rowsAfter = await JobViewRowsAsync(app);
        rowsAfter.Keys.ShouldBe(rowsBefore.Keys, ignoreOrder: true);
        foreach (var (id, row) in rowsBefore) rowsAfter[id].ShouldBe(row, $"job view row {id} differs after rebuild");
        foreach (var (type, docs) in before)
        {
            after[type].Keys.ShouldBe(docs.Keys, ignoreOrder: true);
            foreach (var (id, json) in docs) after[type][id].ShouldBe(json, $"{type} {id} differs after rebuild");
        }
    }

    [Fact]
    public async Task Identical_starts_and_stops_sent_through_two_processes_store_one_job_and_one_end()
    {
        // Two processes decide in different batches: the loser's commit fails (unique running key, stream version)
        // and its requests are decided again alone, finding what the winner stored.
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var first = await JobmonApp.StartAsync(database, daemonMode: "HotCold");
        await using var second = await JobmonApp.StartAsync(database, daemonMode: "HotCold");
        for (var round = 0; round < 6; round++)
        {
            var job = new SlurmJob("c2", 700 + round, StartTime: T0 + round);
            var starts = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
                (i % 2 == 0 ? first : second).Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))));
            starts.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
            var started = await Task.WhenAll(starts.Select(r => r.ReadAs<IngestionResult>()));
            started.Select(r => r.JobId).Distinct().Count().ShouldBe(1);
            started.Count(r => r.Stored).ShouldBe(1);

            var stops = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
                (i % 2 == 0 ? second : first).Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster=c2", SlurmJob.StopJson(0, job.StartTime + 60))));
            stops.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
            var stopped = await Task.WhenAll(stops.Select(r => r.ReadAs<IngestionResult>()));
            stopped.ShouldAllBe(r => r.JobId == started[0].JobId);
            stopped.Count(r => r.Stored).ShouldBe(1);
            var history = await (await first.Admin().GetAsync($"/api/jobs/{started[0].JobId}/history")).ReadAs<List<JobHistoryEntry>>();
            history.Select(h => h.Type).ShouldBe(["job_started", "job_ended"]);
        }
    }

    /// <summary>Every column of every job view row but the modification time, as text.</summary>
    private static async Task<Dictionary<string, string>> JobViewRowsAsync(JobmonApp app)
    {
        await using var conn = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await conn.OpenAsync();
        var schema = app.Store.Options.DatabaseSchemaName;
        await using var cmd = new Npgsql.NpgsqlCommand($"select id::text, (to_jsonb(d) - 'mt_last_modified')::text from {schema}.mt_doc_jobview d", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new Dictionary<string, string>();
        while (await reader.ReadAsync()) rows[reader.GetString(0)] = reader.GetString(1);
        return rows;
    }

    [Fact]
    public async Task Jobs_arriving_during_a_job_view_rebuild_wait_for_it_and_nothing_is_lost()
    {
        await using var app = await JobmonApp.StartAsync();
        var first = Enumerable.Range(0, 300).Select(i => new SlurmJob("horeka", 20_000 + i, User: $"u{i % 7}", StartTime: T0 + i)).ToList();
        foreach (var chunk in first.Chunk(30))
        {
            await Task.WhenAll(chunk.Select(j => StartAsync(app, j)));
            await Task.WhenAll(chunk.Where(j => j.Id % 2 == 0).Select(j => StopAsync(app, j, 0, j.StartTime + 600)));
        }

        // While the rebuild holds the job-write lock, a start waits; it is stored once the lock is released.
        await using (var conn = new Npgsql.NpgsqlConnection(app.ConnectionString))
        {
            await conn.OpenAsync();
            await Jobmon.Jobs.Writing.JobWriteLock.AcquireExclusiveAsync(conn, CancellationToken.None);
            var waiting = StartAsync(app, new SlurmJob("horeka", 29_999, StartTime: T0));
            (await Task.WhenAny(waiting, Task.Delay(1500))).ShouldNotBe(waiting, "a job start went through while the rebuild held the lock");
            await Jobmon.Jobs.Writing.JobWriteLock.ReleaseExclusiveAsync(conn, CancellationToken.None);
            (await waiting).ShouldNotBe(Guid.Empty);
        }

        // A real rebuild with starts, stops and tags arriving all the time.
        (await app.Admin().PostAsync("/api/admin/projections/JobView/rebuild", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var more = Enumerable.Range(0, 60).Select(i => new SlurmJob("haicore", 30_000 + i, StartTime: T0 + i)).ToList();
        await Task.WhenAll(
            Task.WhenAll(more.Select(async j => { await StartAsync(app, j); await StopAsync(app, j, 256, j.StartTime + 60); })),
            Task.WhenAll(first.Where(j => j.Id % 2 == 1).Select(j => StopAsync(app, j, 9, j.StartTime + 900))));
        ProjectionStatus status;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await Task.Delay(200);
            status = (await (await app.Admin().GetAsync("/api/admin/projections")).ReadAs<ProjectionsOverview>()).Projections.Single(p => p.Name == "JobView");
        } while (status.Rebuild?.State == "running" && DateTime.UtcNow < deadline);
        status.Rebuild!.State.ShouldBe("completed", status.Rebuild.Error);
        status.Rebuild.Total.ShouldNotBeNull();
        status.Rebuild.Done.ShouldBe(status.Rebuild.Total);
        status.Shards.ShouldBeEmpty(); // inline: no daemon position to show

        // Every job view equals the live aggregation of its stream's events, and there is one per stream.
        await using var session = app.Store.QuerySession();
        var views = await session.Query<JobView>().ToListAsync();
        views.Count.ShouldBe(361);
        var json = new JsonSerializerOptions();
        foreach (var view in views)
        {
            var live = await session.Events.AggregateStreamAsync<JobView>(view.Id);
            JsonSerializer.Serialize(view, json).ShouldBe(JsonSerializer.Serialize(live, json), $"job {view.SlurmId}");
        }
        views.Count(v => v.State == JobState.Running).ShouldBe(1); // 29_999
        // The 150 odd jobs ended with wait status 9 (SIGKILL): FAILED, as SLURM says; 60 more failed otherwise.
        views.Count(v => v.State == JobState.Cancelled).ShouldBe(0);
        views.Count(v => v.State == JobState.Failed).ShouldBe(210);
    }

    private static async Task<Dictionary<string, Dictionary<string, string>>> SnapshotAsync(IDocumentStore store)
    {
        await using var session = store.QuerySession();
        var json = new JsonSerializerOptions { WriteIndented = false };
        return new()
        {
            ["JobView"] = (await session.Query<JobView>().ToListAsync()).ToDictionary(d => d.Id.ToString(), d => JsonSerializer.Serialize(d, json)),
            ["UserSummary"] = (await session.Query<UserSummary>().ToListAsync()).ToDictionary(d => d.Id, d => JsonSerializer.Serialize(d, json)),
            ["PartitionSummary"] = (await session.Query<PartitionSummary>().ToListAsync()).ToDictionary(d => d.Id, d => JsonSerializer.Serialize(d, json)),
        };
    }

    [Fact]
    public async Task Two_processes_in_HotCold_mode_process_each_event_exactly_once()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var first = await JobmonApp.StartAsync(database, daemonMode: "HotCold");
        await using var second = await JobmonApp.StartAsync(database, daemonMode: "HotCold");
        // Both ingest, concurrently.
        var jobs = Enumerable.Range(0, 40).Select(i => new SlurmJob("c1", 100 + i, User: "pat", NumNodes: 1, Nodes: $"n{i}", StartTime: T0 + i)).ToList();
        await Task.WhenAll(jobs.Select((j, i) => StartAsync(i % 2 == 0 ? first : second, j)));
        await Task.WhenAll(jobs.Select((j, i) => StopAsync(i % 2 == 0 ? second : first, j, 0, j.StartTime + 3600)));

        var deadline = DateTime.UtcNow.AddSeconds(90);
        UserSummary? pat = null;
        while (DateTime.UtcNow < deadline)
        {
            await using var session = first.Store.QuerySession();
            pat = await session.LoadAsync<UserSummary>("pat");
            if (pat is { Jobs: 40, Running: 0 }) break;
            await Task.Delay(250);
        }
        pat.ShouldNotBeNull();
        pat.Jobs.ShouldBe(40);
        pat.Running.ShouldBe(0);
        pat.ByState["completed"].ShouldBe(40);
        pat.NodeHours.ShouldBe(40, tolerance: 1e-9);

        // Each async shard runs on exactly one of the two processes.
        var shardsFirst = first.RunningShards();
        var shardsSecond = second.RunningShards();
        shardsFirst.Intersect(shardsSecond).ShouldBeEmpty();
        shardsFirst.Union(shardsSecond).ShouldBe(["Summaries:All", "JobEndMetrics:All", "Usage:All"], ignoreOrder: true);
    }
}
