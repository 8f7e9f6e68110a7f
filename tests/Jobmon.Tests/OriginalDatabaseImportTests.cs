using Jobmon.Compat;
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
        // The tables as the original's ORM created them (no indexes, no FKs, nullable columns).
        await new NpgsqlCommand("""
            CREATE TABLE job_metadata (id BIGINT PRIMARY KEY, user_id BIGINT, user_name VARCHAR, group_id BIGINT, group_name VARCHAR, cluster_id VARCHAR,
              num_nodes BIGINT, num_tasks BIGINT, tasks_per_node BIGINT, gp_us_per_node BIGINT, node_list VARCHAR, start_time BIGINT, stop_time BIGINT,
              is_running BOOLEAN, job_name VARCHAR, account VARCHAR, ttl BIGINT, partition VARCHAR, job_script VARCHAR, exit_code BIGINT, data JSONB);
            CREATE TABLE job_tags (id BIGSERIAL PRIMARY KEY, name VARCHAR, type VARCHAR, created_by VARCHAR);
            CREATE TABLE job_to_tags (job_id BIGINT, tag_id BIGINT, PRIMARY KEY (job_id, tag_id));
            CREATE TABLE user_roles (username VARCHAR PRIMARY KEY, roles JSONB);
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
}
