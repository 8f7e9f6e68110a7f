using Microsoft.Extensions.DependencyInjection;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

[Collection(SharedAppCollection.Name)]
public sealed class JobListTests(SharedApp shared)
{
    private readonly JobmonApp _app = shared.App;
    private const long T0 = 1_760_000_000;

    private async Task<Guid> StartAsync(SlurmJob job) =>
        (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<Jobmon.Jobs.Ingestion.IngestionResult>()).JobId;

    private async Task StopAsync(SlurmJob job, int exit, long stop) =>
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster={job.Cluster}", SlurmJob.StopJson(exit, stop))).EnsureSuccessStatusCode();

    private async Task<JobListPage> ListAsync(string query) => await (await _app.Admin().GetAsync("/api/jobs?" + query)).ReadAs<JobListPage>();

    [Fact]
    public async Task Filters_sort_and_paging_work_on_the_server()
    {
        var c = Unique.Name("list");
        var a = new SlurmJob(c, Unique.SlurmId(), User: "ann", Partition: "gpu", NumNodes: 4, Nodes: "g1|g2|g3|g4", StartTime: T0, Gpus: 4, Name: "Train-ResNet", Account: "ml");
        var b = new SlurmJob(c, Unique.SlurmId(), User: "ben", Partition: "cpu", NumNodes: 1, Nodes: "c1", StartTime: T0 + 1000, Name: "post", Account: "chem", NumTasks: 64);
        var d = new SlurmJob(c, Unique.SlurmId(), User: "ann", Partition: "cpu", NumNodes: 2, Nodes: "c2|c3", StartTime: T0 + 5000, Name: "md-run", Account: "chem");
        var idA = await StartAsync(a); var idB = await StartAsync(b); var idD = await StartAsync(d);
        await StopAsync(a, 0, T0 + 3600);       // completed, 1 h
        await StopAsync(b, 256, T0 + 1100);     // failed, 100 s
        // d keeps running

        (await ListAsync($"cluster={c}")).Total.ShouldBe(3);
        (await ListAsync($"cluster={c}&user=ann")).Items.Select(j => j.Id).ShouldBe([idD, idA]); // default: newest start first
        (await ListAsync($"cluster={c}&state=failed,running&sort=startTime&order=asc")).Items.Select(j => j.Id).ShouldBe([idB, idD]);
        (await ListAsync($"cluster={c}&partition=gpu&minGpus=16&maxGpus=16")).Items.Single().Id.ShouldBe(idA);
        (await ListAsync($"cluster={c}&minNodes=2&maxNodes=3")).Items.Single().Id.ShouldBe(idD);
        (await ListAsync($"cluster={c}&minTasks=10")).Items.Single().Id.ShouldBe(idB);
        (await ListAsync($"cluster={c}&account=chem&sort=numNodes&order=desc")).Items.Select(j => j.Id).ShouldBe([idD, idB]);
        (await ListAsync($"cluster={c}&q=resnet")).Items.Single().Id.ShouldBe(idA);   // case-insensitive free text
        (await ListAsync($"cluster={c}&q={b.Id}")).Items.Single().Id.ShouldBe(idB);   // by SLURM id
        (await ListAsync($"cluster={c}&minDuration=3000")).Items.Select(j => j.Id).ShouldBe([idD, idA]); // running d counts up to now
        (await ListAsync($"cluster={c}&maxDuration=200")).Items.Single().Id.ShouldBe(idB);

        // Overlap semantics: a window after b ended but while a was running finds a (and running d if started).
        (await ListAsync($"cluster={c}&from={T0 + 2000}&to={T0 + 3000}")).Items.Select(j => j.Id).ShouldBe([idA]);
        (await ListAsync($"cluster={c}&from={T0 + 4000}")).Items.Select(j => j.Id).ShouldBe([idD]);

        var page1 = await ListAsync($"cluster={c}&sort=jobId&order=asc&pageSize=2&page=1");
        var page2 = await ListAsync($"cluster={c}&sort=jobId&order=asc&pageSize=2&page=2");
        page1.Total.ShouldBe(3);
        page1.Items.Concat(page2.Items).Select(j => j.JobId).ShouldBe(new[] { a.Id, b.Id, d.Id }.Order().ToArray());
        page1.Items.Count.ShouldBe(2);
        page2.Items.Count.ShouldBe(1);
    }

    /// <summary>Issue 18: the total is counted up to 10,000; beyond that the page says "more than 10,000".</summary>
    [Fact]
    public async Task Total_is_counted_up_to_ten_thousand_then_reported_as_a_lower_bound()
    {
        var c = Unique.Name("many");
        var t0 = DateTimeOffset.FromUnixTimeSeconds(T0);
        // Job i (0 ≤ i < 10,000) starts at t0 + i s and ends 60 s later; jobs 7, 8 and 9 belong to "few".
        JobView Job(int i) => new()
        {
            Id = Guid.CreateVersion7(), Cluster = c, SlurmId = i, User = i is >= 7 and <= 9 ? "few" : "many",
            Group = "g", Account = "a", JobName = $"j{i}", Partition = "cpu", State = JobState.Completed,
            StartKnown = true,
            StartTime = t0.AddSeconds(i), StopTime = t0.AddSeconds(i + 60), DurationSeconds = 60, NumNodes = 1,
            LastChangedAt = t0.AddSeconds(i + 60), SearchText = $"{i} j{i} a",
        };
        // Documents written directly (a bulk insert, not 10,000 ingestions): the list reads only the view.
        await _app.Store.BulkInsertAsync(Enumerable.Range(0, 10_000).Select(Job).ToList(), batchSize: 5_000);

        var exactly = await ListAsync($"cluster={c}");
        exactly.Total.ShouldBe(10_000);
        exactly.TotalIsLowerBound.ShouldBeFalse();

        await _app.Store.BulkInsertAsync(new[] { Job(10_000) });
        var beyond = await ListAsync($"cluster={c}");
        beyond.Total.ShouldBe(10_000);
        beyond.TotalIsLowerBound.ShouldBeTrue();
        beyond.Items.Count.ShouldBe(50);
        (await ListAsync($"cluster={c}&from={T0}")).TotalIsLowerBound.ShouldBeTrue();

        var few = await ListAsync($"cluster={c}&user=few");
        few.Total.ShouldBe(3);
        few.TotalIsLowerBound.ShouldBeFalse();
        // Overlapping [t0+100, t0+102]: started by t0+102 (i ≤ 102), ended from t0+100 on (i + 60 ≥ 100, i ≥ 40).
        var window = await ListAsync($"cluster={c}&from={T0 + 100}&to={T0 + 102}");
        window.Total.ShouldBe(63);
        window.TotalIsLowerBound.ShouldBeFalse();
        // Pages past the counted total still answer: row 10,001 oldest first is job 10,000.
        (await ListAsync($"cluster={c}&sort=startTime&order=asc&pageSize=500&page=21")).Items.Select(j => j.JobId)
            .ShouldBe([10_000L]);
    }

    /// <summary>Issue 18: sorting all jobs by any column the list offers reads the first page from an index (no sort
    /// of every job): planned with sequential scans and full sorts priced out, the plan names the column's
    /// index.</summary>
    [Theory]
    [InlineData("startTime", "mt_doc_jobview_idx_window_start")]
    [InlineData("stopTime", "mt_doc_jobview_idx_stop_time_window_start")]
    [InlineData("duration", "mt_doc_jobview_idx_duration_seconds_window_start")]
    [InlineData("cluster", "mt_doc_jobview_idx_cluster_window_start")]
    [InlineData("user", "mt_doc_jobview_idx_user_window_start")]
    [InlineData("group", "mt_doc_jobview_idx_group_window_start")]
    [InlineData("account", "mt_doc_jobview_idx_account_window_start")]
    [InlineData("jobId", "mt_doc_jobview_idx_slurm_id_cluster")]
    [InlineData("name", "mt_doc_jobview_idx_job_name_window_start")]
    [InlineData("partition", "mt_doc_jobview_idx_partition_window_start")]
    [InlineData("state", "mt_doc_jobview_idx_state_window_start")]
    [InlineData("numNodes", "mt_doc_jobview_idx_num_nodes_window_start")]
    [InlineData("gpus", "mt_doc_jobview_idx_total_gpus_window_start")]
    public async Task Every_sort_reads_its_page_from_an_index(string sort, string index)
    {
        foreach (var order in new[] { "asc", "desc" })
        {
            var plan = await PlanAsync($"sort={sort}&order={order}&page=3&pageSize=50");
            plan.ShouldContain(index, customMessage: plan);
            // No full sort node ("Sort  (cost=…"); an incremental sort of rows with equal keys (the id) may follow.
            plan.Split('\n').ShouldNotContain(
                line => line.TrimStart(' ', '-', '>').StartsWith("Sort  ("), customMessage: plan);
        }
    }

    /// <summary>The job view's GIN indexes (free text, nodes, tags) keep a 64 kB pending list: small enough that a
    /// search scans little of it, large enough that inserts are merged in bulk; Marten's schema diff accepts the
    /// options (no index rebuilt at each start); the node index keeps 10,000 histogram entries.</summary>
    [Fact]
    public async Task Gin_indexes_of_the_job_view_keep_a_small_pending_list()
    {
        await using var connection = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select c.relname, array_to_string(c.reloptions, ',') from pg_class c where c.relname = any(@names) " +
            "order by 1", connection);
        command.Parameters.AddWithValue("names",
            new[] { "jobview_search_text_trgm", "mt_doc_jobview_idx_nodes", "mt_doc_jobview_idx_tag_names" });
        var options = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                options.Add($"{reader.GetString(0)}: {(reader.IsDBNull(1) ? "" : reader.GetString(1))}");
        const string small = "fastupdate=on,gin_pending_list_limit=64";
        options.ShouldBe([$"jobview_search_text_trgm: {small}", $"mt_doc_jobview_idx_nodes: {small}",
            $"mt_doc_jobview_idx_tag_names: {small}"]);
        // The node filter is priced from 10,000 histogram entries (SearchTextIndex: 100 priced a node at 1 %).
        await using (var target = new Npgsql.NpgsqlCommand("select attstattarget from pg_attribute where attnum = 1 " +
                         "and attrelid = (select oid from pg_class where relname = 'mt_doc_jobview_idx_nodes')",
                         connection))
            Convert.ToInt32(await target.ExecuteScalarAsync()).ShouldBe(10_000);
        var migration = await _app.Store.Storage.Database.CreateMigrationAsync();
        migration.Deltas.Where(d => d.SchemaObject.Identifier.Name == "mt_doc_jobview")
            .Select(d => d.Difference).ShouldAllBe(d => d == Weasel.Core.SchemaPatchDifference.None);
    }

    /// <summary>An expression index without statistics (as after a schema upgrade rebuilt it) is analyzed at
    /// start-up: the planner's guess without them sent node searches down the start-time index.</summary>
    [Fact]
    public async Task Start_up_analyzes_the_job_view_when_an_expression_index_has_no_statistics()
    {
        var c = Unique.Name("stats");
        await StartAsync(new SlurmJob(c, Unique.SlurmId(), NumNodes: 2, Nodes: "s1|s2", StartTime: T0));
        var settings = _app.Services.GetRequiredService<Jobmon.Infrastructure.JobmonSettings>();
        await using var connection = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        async Task<long> StatisticsRows()
        {
            await using var count = new Npgsql.NpgsqlCommand(
                "select count(*) from pg_stats where schemaname = @s and tablename = 'mt_doc_jobview_idx_nodes'",
                connection);
            count.Parameters.AddWithValue("s", settings.Schema);
            return (long)(await count.ExecuteScalarAsync())!;
        }
        var index = $"{settings.Schema}.mt_doc_jobview_idx_nodes";
        await using (var forget = new Npgsql.NpgsqlCommand(
                         $"delete from pg_statistic where starelid = '{index}'::regclass", connection))
            await forget.ExecuteNonQueryAsync();
        (await StatisticsRows()).ShouldBe(0);

        var log = Microsoft.Extensions.Logging.Abstractions.NullLogger<SearchTextIndex>.Instance;
        await new SearchTextIndex(settings, log).StartAsync(CancellationToken.None);

        (await StatisticsRows()).ShouldBe(1); // one expression column: CAST(data ->> 'nodes' as jsonb)
    }

    private async Task<string> PlanAsync(string query)
    {
        var parsed = JobListQuery.Parse(new Microsoft.AspNetCore.Http.QueryCollection(
            Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query))).Query!;
        await using var session = _app.Store.QuerySession();
        var jobs = parsed.Order(parsed.Apply(session.Query<JobView>(), DateTimeOffset.UtcNow))
            .Skip((parsed.Page - 1) * parsed.PageSize).Take(parsed.PageSize);
        var command = Marten.QueryableExtensions.ToCommand(jobs);
        await using var connection = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using (var off = new Npgsql.NpgsqlCommand("set enable_seqscan = off; set enable_sort = off", connection))
            await off.ExecuteNonQueryAsync();
        command.Connection = connection;
        command.CommandText = "explain " + command.CommandText;
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        return string.Join('\n', plan);
    }

    [Fact]
    public async Task Tags_filter_all_of_and_are_audited()
    {
        var c = Unique.Name("tag");
        var a = new SlurmJob(c, Unique.SlurmId());
        var b = new SlurmJob(c, Unique.SlurmId(), StartTime: T0 + 10);
        var idA = await StartAsync(a); var idB = await StartAsync(b);
        foreach (var (id, tag) in new[] { (idA, "bad-io"), (idA, "reviewed"), (idB, "reviewed") })
            (await _app.Admin().PostAsync($"/api/jobs/{id}/tags", HttpExtensions.FormJson($$"""{"name":"{{tag}}"}"""))).EnsureSuccessStatusCode();

        (await ListAsync($"cluster={c}&tags=reviewed")).Total.ShouldBe(2);
        (await ListAsync($"cluster={c}&tags=reviewed,bad-io")).Items.Single().Id.ShouldBe(idA);

        (await _app.Admin().DeleteAsync($"/api/jobs/{idA}/tags/bad-io")).EnsureSuccessStatusCode();
        (await ListAsync($"cluster={c}&tags=bad-io")).Total.ShouldBe(0);
        var history = await (await _app.Admin().GetAsync($"/api/jobs/{idA}/history")).ReadAs<List<JobHistoryEntry>>();
        history.Select(h => h.Type).ShouldBe(["job_started", "job_tag_added", "job_tag_added", "job_tag_removed"]);
        history.Skip(1).ShouldAllBe(h => h.CausedBy == "admin-token");
    }

    [Fact]
    public async Task Hostile_search_input_is_only_a_parameter()
    {
        var c = Unique.Name("inj");
        var job = new SlurmJob(c, Unique.SlurmId(), Name: "it's 100%_done");
        var id = await StartAsync(job);
        foreach (var q in new[] { "' OR 1=1 --", "%", "_", "\\", "'; DROP TABLE jobmon.mt_doc_jobview; --", ".*", "100%_" })
        {
            var response = await _app.Admin().GetAsync($"/api/jobs?cluster={c}&q={Uri.EscapeDataString(q)}");
            response.EnsureSuccessStatusCode();
        }
        (await ListAsync($"cluster={c}&q={Uri.EscapeDataString("it's 100%_d")}")).Items.Single().Id.ShouldBe(id);
        (await ListAsync($"cluster={c}&q={Uri.EscapeDataString("' OR 1=1 --")}")).Total.ShouldBe(0);
        (await ListAsync($"user={Uri.EscapeDataString("x' OR '1'='1")}")).Total.ShouldBe(0);
        // Every string filter takes SQL, LIKE, regex and InfluxQL metacharacters as plain text.
        foreach (var field in new[] { "cluster", "user", "group", "account", "partition", "tags", "q" })
            foreach (var hostile in new[] { "' OR '1'='1", "%", "_", ".*", "\\", "\"; DROP MEASUREMENT cpu_load; --", "/.*/", "x)|(1=1" })
            {
                if (field == "q" && hostile is "%" or "_") continue; // a job name above contains them literally (checked above)
                var response = await _app.Admin().GetAsync($"/api/jobs?{field}={Uri.EscapeDataString(hostile)}");
                response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, $"{field}={hostile}");
                (await response.ReadAs<JobListPage>()).Total.ShouldBe(0, $"{field}={hostile}");
            }
        (await ListAsync($"cluster={c}")).Total.ShouldBe(1);
    }

    [Fact]
    public async Task Admin_correction_changes_metadata_with_a_reason_on_record()
    {
        var job = new SlurmJob(Unique.Name("fix"), Unique.SlurmId());
        var id = await StartAsync(job);
        var missingReason = await _app.Admin().PatchJson($"/api/jobs/{id}/metadata", """{"account":"proj2"}""");
        missingReason.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        (await _app.Admin().PatchJson($"/api/jobs/{id}/metadata", """{"account":"proj2","reason":"wrong account in sbatch"}""")).EnsureSuccessStatusCode();
        var detail = await (await _app.Admin().GetAsync($"/api/jobs/{id}")).ReadAs<JobDetail>();
        detail.Account.ShouldBe("proj2");
        var history = await (await _app.Admin().GetAsync($"/api/jobs/{id}/history")).ReadAs<List<JobHistoryEntry>>();
        history.Last().Type.ShouldBe("job_metadata_corrected");
        history.Last().Data.GetProperty("reason").GetString().ShouldBe("wrong account in sbatch");
        history.Last().Source.ShouldBe("admin");
    }
}
