using System.Net;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;
using Npgsql;

namespace Jobmon.Tests;

/// <summary>Issue 15 point 2/9 and issue 18 point 7: node filter in hostlist syntax, host names in free text,
/// 400 for unknown parameters, the streamed CSV export, and the indexes those queries can use.</summary>
[Collection(SharedAppCollection.Name)]
public sealed class JobListNodeFilterAndCsvTests(SharedApp shared)
{
    private readonly JobmonApp _app = shared.App;
    private const long T0 = 1_760_000_000;

    private async Task<Guid> StartAsync(SlurmJob job) =>
        (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<Jobmon.Jobs.Ingestion.IngestionResult>()).JobId;

    private async Task<JobListPage> ListAsync(string query) => await (await _app.Admin().GetAsync("/api/jobs?" + query)).ReadAs<JobListPage>();

    [Fact]
    public async Task Node_filter_takes_a_hostlist_and_free_text_matches_a_host_name()
    {
        var c = Unique.Name("nodes");
        var a = new SlurmJob(c, Unique.SlurmId(), NumNodes: 2, Nodes: "n001|n002", StartTime: T0);
        var b = new SlurmJob(c, Unique.SlurmId(), NumNodes: 2, Nodes: "n003|n004", StartTime: T0 + 10);
        var d = new SlurmJob(c, Unique.SlurmId(), NumNodes: 1, Nodes: "n010", StartTime: T0 + 20);
        var idA = await StartAsync(a); var idB = await StartAsync(b); var idD = await StartAsync(d);

        (await ListAsync($"cluster={c}&node=n002")).Items.Select(j => j.Id).ShouldBe([idA]);
        (await ListAsync($"cluster={c}&node=n[002-003]")).Items.Select(j => j.Id).ShouldBe([idB, idA]); // newest first
        (await ListAsync($"cluster={c}&node=n004,n010")).Items.Select(j => j.Id).ShouldBe([idD, idB]);
        (await ListAsync($"cluster={c}&node=n[005-009]")).Total.ShouldBe(0);
        (await ListAsync($"cluster={c}&q=n010")).Items.Select(j => j.Id).ShouldBe([idD]);  // search matches host names
        (await ListAsync($"cluster={c}&q=n01")).Total.ShouldBe(0);                           // exact host, not a prefix

        var bad = await _app.Admin().GetAsync($"/api/jobs?node=n[003-001");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("\"node\"");
        var bomb = await _app.Admin().GetAsync($"/api/jobs?node=n[1-99999]");
        bomb.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_query_parameters_are_a_400_naming_them()
    {
        var response = await _app.Admin().GetAsync("/api/jobs?nodes=demo013&cluster=x");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldContain("\"nodes\"");
        body.ShouldContain("unknown query parameter");
        (await _app.Admin().GetAsync("/api/jobs?format=xml")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Csv_export_has_every_matching_job_in_list_order_with_quoting()
    {
        var c = Unique.Name("csv");
        var a = new SlurmJob(c, Unique.SlurmId(), User: "ann", NumNodes: 3, Nodes: "c01|c02|c03", StartTime: T0, Name: "=cmd, x", Account: "acc");
        var b = new SlurmJob(c, Unique.SlurmId(), User: "ben", NumNodes: 1, Nodes: "c09", StartTime: T0 + 60, Name: "plain", Account: "acc");
        var idA = await StartAsync(a); var idB = await StartAsync(b);
        (await _app.Ingest().PatchJson($"/api/job_stop/{a.Id}?cluster={c}", SlurmJob.StopJson(0, T0 + 3600))).EnsureSuccessStatusCode();

        var response = await _app.Admin().GetAsync($"/api/jobs?cluster={c}&sort=startTime&order=asc&format=csv&pageSize=1");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await response.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        lines.Length.ShouldBe(3); // header + both jobs: the CSV ignores paging
        lines[0].ShouldBe(JobListCsv.Header);
        // By hand: a ran 2025-10-09T08:53:20Z .. +1 h, name neutralised and quoted, nodes compressed.
        lines[1].ShouldBe($"{idA},{c},{a.Id},,,ann,{a.Group},acc,\"'=cmd, x\",{a.Partition},completed,2025-10-09T08:53:20Z,2025-10-09T09:53:20Z,3600,3,{a.NumTasks},,0,c[01-03],0,");
        lines[2].Split(',')[0].ShouldBe(idB.ToString());
        lines[2].Split(',')[10].ShouldBe("running");
        lines[2].Split(',')[18].ShouldBe("c09");
    }

    [Theory]
    [InlineData("node=a[1-2]", "mt_doc_jobview_idx_nodes")]
    [InlineData("q=somehost", "mt_doc_jobview_idx_nodes")]
    [InlineData("q=somehost", "jobview_search_text_trgm")]
    [InlineData("q=resnet", "jobview_search_text_trgm")]
    public async Task Node_queries_can_use_the_gin_index(string query, string index)
    {
        var parsed = JobListQuery.Parse(new Microsoft.AspNetCore.Http.QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query))).Query!;
        await using var session = _app.Store.QuerySession();
        var command = Marten.QueryableExtensions.ToCommand(parsed.Apply(session.Query<Jobmon.Jobs.JobView>(), DateTimeOffset.UtcNow));
        await using var connection = new NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using (var off = new NpgsqlCommand("set enable_seqscan = off", connection)) await off.ExecuteNonQueryAsync();
        command.Connection = connection;
        command.CommandText = "explain " + command.CommandText;
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        string.Join('\n', plan).ShouldContain(index);
    }

    [Fact]
    public async Task Duration_sort_orders_running_jobs_by_their_current_duration()
    {
        var c = Unique.Name("dur");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // Finished: 100 s and 5000 s. Running since 300 s, 2000 s and 9000 s ago (current durations).
        var f100 = new SlurmJob(c, Unique.SlurmId(), StartTime: now - 20_000);
        var f5000 = new SlurmJob(c, Unique.SlurmId(), StartTime: now - 30_000);
        var r300 = new SlurmJob(c, Unique.SlurmId(), StartTime: now - 300);
        var r2000 = new SlurmJob(c, Unique.SlurmId(), StartTime: now - 2000);
        var r9000 = new SlurmJob(c, Unique.SlurmId(), StartTime: now - 9000);
        var ids = new Dictionary<string, Guid>();
        foreach (var (name, job) in new[] { ("f100", f100), ("f5000", f5000), ("r300", r300), ("r2000", r2000), ("r9000", r9000) })
            ids[name] = await StartAsync(job);
        (await _app.Ingest().PatchJson($"/api/job_stop/{f100.Id}?cluster={c}", SlurmJob.StopJson(0, now - 20_000 + 100))).EnsureSuccessStatusCode();
        (await _app.Ingest().PatchJson($"/api/job_stop/{f5000.Id}?cluster={c}", SlurmJob.StopJson(0, now - 30_000 + 5000))).EnsureSuccessStatusCode();

        (await ListAsync($"cluster={c}&sort=duration&order=desc")).Items.Select(j => j.Id)
            .ShouldBe([ids["r9000"], ids["f5000"], ids["r2000"], ids["r300"], ids["f100"]]);
        (await ListAsync($"cluster={c}&sort=duration&order=asc")).Items.Select(j => j.Id)
            .ShouldBe([ids["f100"], ids["r300"], ids["r2000"], ids["f5000"], ids["r9000"]]);
        // Paging through the merge: page 2 of size 2 is the 3rd and 4th.
        (await ListAsync($"cluster={c}&sort=duration&order=desc&pageSize=2&page=2")).Items.Select(j => j.Id)
            .ShouldBe([ids["r2000"], ids["r300"]]);
    }
}
