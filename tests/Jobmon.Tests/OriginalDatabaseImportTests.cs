using System.Net;
using System.Net.Http.Json;
using Jobmon.Compat;
using Jobmon.DropIn;
using Marten;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Jobmon.Tests;

/// <summary>An existing installation's PostgreSQL (the original's bun schema) imported into the event store.</summary>
public sealed class OriginalDatabaseImportTests
{
    private static async Task<string> OriginalDatabaseAsync()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("original");
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await new NpgsqlCommand(OriginalSchema.Tables + """
            INSERT INTO job_metadata VALUES
              (1001, 1000, 'alice', 100, 'hpc', 'horeka', 2, 8, 4, 0, 'hkn0001|hkn0002', 1700000000, 1700003600, false, 'sim', 'p1', 0, 'cpuonly', 'noJobSript', 0,
               '[{"Config": {"Measurement": "cpu_load", "Unit": "", "DisplayName": "CPU load"}, "Mean": 12.5, "Max": 40, "ChangePoints": []}]'),
              (1002, 1001, 'bob', 100, 'hpc', 'horeka', 1, 4, 4, 4, 'hkg0001', 1700001000, 1700002000, false, 'train', 'p2', 0, 'accelerated', 'noJobSript', 256, null),
              (1003, 1000, 'alice', 100, 'hpc', 'horeka', 1, 1, 1, 0, 'hkn0009', 1700005000, 0, true, 'long', 'p1', 0, 'cpuonly', 'noJobSript', 0, 'null');
            INSERT INTO job_tags (name, type, created_by) VALUES ('bad-io', 'admin', 'root'), ('mine', 'user', 'alice');
            INSERT INTO job_to_tags VALUES (1001, 1), (1001, 2);
            INSERT INTO user_roles VALUES ('alice', '["user"]'), ('carol', '["admin"]');
            """, conn).ExecuteNonQueryAsync();
        return cs;
    }

    [Fact]
    public async Task Jobs_tags_statistics_and_roles_are_imported_once_with_a_dry_run_first()
    {
        var original = await OriginalDatabaseAsync();
        await using var app = await JobmonApp.StartAsync();
        var importer = app.Services.GetRequiredService<OriginalDatabaseImport>();

        var dry = await importer.ImportAsync(original, dryRun: true, CancellationToken.None);
        dry.Jobs.ShouldBe(3);
        dry.Tags.ShouldBe(2);
        dry.Statistics.ShouldBe(1);
        dry.Accounts.ShouldBe(2);
        (await (await app.Admin().GetAsync("/api/jobs?cluster=horeka")).ReadAs<JobListPage>()).Total.ShouldBe(0);

        var first = await importer.ImportAsync(original, dryRun: false, CancellationToken.None);
        first.Jobs.ShouldBe(3);
        first.RunningJobs.ShouldBe(1);
        var second = await importer.ImportAsync(original, dryRun: false, CancellationToken.None);
        second.Jobs.ShouldBe(0);
        second.AlreadyImported.ShouldBe(3);
        second.Accounts.ShouldBe(0);

        var page = await (await app.Admin().GetAsync("/api/jobs?cluster=horeka&sort=jobId&order=asc")).ReadAs<JobListPage>();
        page.Items.Select(j => (j.JobId, j.State)).ShouldBe([(1001L, JobState.Completed), (1002L, JobState.Failed), (1003L, JobState.Running)]);
        page.Items[0].Tags.Select(t => t.Name).ShouldBe(["bad-io", "mine"], ignoreOrder: true);
        await using (var session = app.Store.QuerySession())
        {
            var view = await session.LoadAsync<JobView>(page.Items[0].Id);
            view!.Statistics["cpu_load"].Mean.ShouldBe(12.5);
            view.Statistics["cpu_load"].Max.ShouldBe(40);
        }
        var history = await (await app.Admin().GetAsync($"/api/jobs/{page.Items[0].Id}/history")).ReadAs<List<JobHistoryEntry>>();
        history.ShouldAllBe(h => h.Source == "original-import");
        var users = await app.Admin().GetStringAsync("/api/admin/users");
        users.ShouldContain("carol");
    }

    private static async Task Original(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await new NpgsqlCommand(sql, conn).ExecuteNonQueryAsync();
    }

    private static async Task<JobView> View(JobmonApp app, long slurmId)
    {
        await using var session = app.Store.QuerySession();
        return (await session.Query<JobView>().Where(j => j.Cluster == "horeka" && j.SlurmId == slurmId).ToListAsync()).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Running_it_again_brings_imported_jobs_up_to_date_and_never_overwrites_what_Jobmon_recorded()
    {
        var original = await OriginalDatabaseAsync();
        // 1004: ended by the original's sweeper (exit_code 1, stop = start + cpuonly's MaxTime of 3600 s).
        // 1006: running at the first import; the switched SLURM script then reports its end to Jobmon.
        await Original(original, """
            INSERT INTO job_metadata VALUES
              (1004, 1000, 'alice', 100, 'hpc', 'horeka', 1, 1, 1, 0, 'hkn0010', 1700010000, 1700013600, false, 'stuck', 'p1', 0, 'cpuonly', 'noJobSript', 1, null),
              (1006, 1000, 'alice', 100, 'hpc', 'horeka', 1, 1, 1, 0, 'hkn0011', 1700020000, 0, true, 'late', 'p1', 0, 'cpuonly', 'noJobSript', 0, null);
            """);
        await using var app = await JobmonApp.StartAsync();
        (await app.Admin().PutAsJsonAsync("/api/admin/catalogue/partitions/cpuonly", new { maxTime = 3600, metrics = Array.Empty<string>(), virtualPartitions = Array.Empty<object>() }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var importer = app.Services.GetRequiredService<OriginalDatabaseImport>();
        var first = await importer.ImportAsync(original, dryRun: false, CancellationToken.None);
        first.Jobs.ShouldBe(5);
        first.Problems.ShouldBeEmpty();

        var swept = await View(app, 1004);
        swept.State.ShouldBe(JobState.Timeout);
        swept.StopTime.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1700013600));
        swept.EndReason!.ShouldContain("original JobMon's overtime sweeper");
        swept.ExitCode.ShouldBeNull(); // not "killed by signal 1 (SIGHUP)"

        // Meanwhile in Jobmon: the script ends 1006, an admin removes 1001's tag bad-io and corrects 1002's account.
        (await app.Ingest().PatchJson("/api/job_stop/1006?cluster=horeka", """{"exitCode": 0, "stopTime": 1700021000}""")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var job1001 = await View(app, 1001);
        (await app.Admin().DeleteAsync($"/api/jobs/{job1001.Id}/tags/bad-io")).IsSuccessStatusCode.ShouldBeTrue();
        var job1002 = await View(app, 1002);
        (await app.Admin().PatchAsJsonAsync($"/api/jobs/{job1002.Id}/metadata", new { reason = "wrong project", account = "p2-fixed" })).IsSuccessStatusCode.ShouldBeTrue();

        // Meanwhile in the original: 1003 ends, 1001 loses 'mine', 1002 gets 'hot', a new name and another account,
        // and the original's sweeper ends 1006 (whose stop never reached it).
        await Original(original, """
            UPDATE job_metadata SET is_running = false, stop_time = 1700009000, exit_code = 0,
              data = '[{"Config": {"Measurement": "cpu_load", "Unit": ""}, "Mean": 3, "Max": 4}]' WHERE id = 1003;
            DELETE FROM job_to_tags WHERE job_id = 1001 AND tag_id = 2;
            INSERT INTO job_tags (name, type, created_by) VALUES ('hot', 'admin', 'root');
            INSERT INTO job_to_tags VALUES (1002, 3);
            UPDATE job_metadata SET job_name = 'train-v2', account = 'p2-orig' WHERE id = 1002;
            UPDATE job_metadata SET is_running = false, stop_time = 1700023600, exit_code = 1 WHERE id = 1006;
            """);

        var dry = await importer.ImportAsync(original, dryRun: true, CancellationToken.None);
        dry.Updated.ShouldBe(3);
        (await View(app, 1003)).State.ShouldBe(JobState.Running);

        var second = await importer.ImportAsync(original, dryRun: false, CancellationToken.None);
        second.Jobs.ShouldBe(0);
        second.AlreadyImported.ShouldBe(5);
        second.Updated.ShouldBe(3);
        second.Changes!.ShouldBe([
            "horeka/1001: tag 'mine' removed",
            "horeka/1002: tag 'hot' added",
            "horeka/1002: job name 'train' → 'train-v2'",
            "horeka/1003: ended (completed, exit code 0 (success))",
        ], ignoreOrder: true);

        var ended = await View(app, 1003);
        ended.State.ShouldBe(JobState.Completed);
        ended.StopTime.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1700009000));
        ended.Statistics["cpu_load"].Mean.ShouldBe(3);
        (await View(app, 1001)).TagNames.ShouldBeEmpty(); // bad-io stays removed, mine is gone
        var renamed = await View(app, 1002);
        renamed.JobName.ShouldBe("train-v2");
        renamed.Account.ShouldBe("p2-fixed"); // the admin's correction stands
        renamed.TagNames.ShouldBe(["hot"]);
        var scriptEnded = await View(app, 1006);
        scriptEnded.State.ShouldBe(JobState.Completed); // Jobmon's own end stands
        scriptEnded.StopTime.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1700021000));

        var history = await (await app.Admin().GetAsync($"/api/jobs/{ended.Id}/history")).ReadAs<List<JobHistoryEntry>>();
        history.Select(h => (h.Type, h.Source)).ShouldBe([("job_started", "original-import"), ("job_ended", "original-import"), ("job_metric_statistics_recorded", "original-import")]);

        var third = await importer.ImportAsync(original, dryRun: false, CancellationToken.None);
        third.Updated.ShouldBe(0);
        third.Changes.ShouldBeEmpty();
    }

    /// <summary>The command line as an operator runs it during the switch-over: the real Jobmon.Api program.</summary>
    [Fact]
    public async Task Follow_mode_keeps_importing_until_stopped()
    {
        var original = await OriginalDatabaseAsync();
        await using var app = await JobmonApp.StartAsync();
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Jobmon.sln"))) dir = dir.Parent;
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0
        var program = Path.Combine(dir!.FullName, "src", "Jobmon.Api", "bin", configuration, "net10.0", "Jobmon.Api.dll");
        File.Exists(program).ShouldBeTrue(program);
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { program, "import-original", "--from", original, "--follow", "1" }) start.ArgumentList.Add(a);
        start.Environment["JOBMON_POSTGRES"] = app.ConnectionString;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var output = new System.Text.StringBuilder();
        using var process = new System.Diagnostics.Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        async Task WaitFor(string text)
        {
            for (var i = 0; i < 240; i++)
            {
                lock (output) if (output.ToString().Contains(text)) return;
                if (process.HasExited) break;
                await Task.Delay(250);
            }
            lock (output) throw new ShouldAssertException($"'{text}' never appeared in:\n{output}");
        }
        try
        {
            await WaitFor("\"jobs\": 3");
            await Original(original, "UPDATE job_metadata SET is_running = false, stop_time = 1700009000, exit_code = 0 WHERE id = 1003");
            await WaitFor("horeka/1003: ended (completed");
            (await View(app, 1003)).State.ShouldBe(JobState.Completed);
        }
        finally
        {
            // Stopped as a service manager stops it: SIGTERM, and it ends cleanly.
            if (!process.HasExited) System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
            var exited = process.WaitForExit(20_000);
            if (!exited) process.Kill(entireProcessTree: true);
            exited.ShouldBeTrue();
        }
        process.ExitCode.ShouldBe(0);
    }
}
