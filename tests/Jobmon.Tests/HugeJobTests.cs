using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Jobmon.Testing;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>
/// A running job on 150,000 nodes (issue 18, point 6) with collector-shaped samples for three of its nodes in the real
/// InfluxDB, plus two hosts of the same cluster outside the job: the page answers a band computed by InfluxDB (no
/// per-node series), the CSV the band's three lines, the raw CSV only for one node.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class HugeJobTests(InfluxServer influx) : IAsyncLifetime
{
    private JobmonApp _app = null!;
    private string _database = "";

    public async Task InitializeAsync()
    {
        _database = await influx.CreateDatabaseAsync("huge");
        _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?>
        {
            ["JOBMON_INFLUXDB"] = influx.BaseUrl,
            ["JOBMON_INFLUXDB_BUCKET"] = _database,
        });
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_job_on_150000_nodes_is_served_as_a_band_and_its_raw_csv_needs_a_node()
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60 - 600);
        // 30 samples per host, every 10 s from start + 5 s: five windows of 60 s (start, start + 60 s, … start + 240 s).
        var lp = new StringBuilder();
        foreach (var (host, load) in new[] { ("x000001", 2), ("x075000", 4), ("x150000", 9), ("x150001", 50), ("y000001", 100) })
            for (var k = 0; k < 30; k++)
                lp.Append($"load_one,cluster=huge,hostname={host},type=node value={load} {(start.ToUnixTimeSeconds() + 5 + 10 * k) * 1_000_000_000L}\n");
        await influx.WriteAsync(_database, lp.ToString(), "ns");
        var nodes = string.Join("|", Enumerable.Range(1, 150_000).Select(i => $"x{i:000000}"));
        var job = new SlurmJob("huge", Unique.SlurmId(), NumNodes: 150_000, Nodes: nodes, StartTime: start.ToUnixTimeSeconds());
        var started = await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()));
        started.StatusCode.ShouldBe(HttpStatusCode.OK, await started.Content.ReadAsStringAsync());
        var id = (await started.ReadAs<IngestionResult>()).JobId;

        var page = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics?metrics=load_one&interval=60");
        var text = await page.Content.ReadAsStringAsync();
        page.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        var metric = JsonDocument.Parse(text).RootElement.GetProperty("metrics")[0];
        metric.GetProperty("series").GetArrayLength().ShouldBe(0);
        var band = metric.GetProperty("band");
        band.GetProperty("nodes").GetInt32().ShouldBe(150_000);
        var first = start.ToUnixTimeMilliseconds();
        band.GetProperty("times").EnumerateArray().Select(t => t.GetInt64())
            .ShouldBe([first, first + 60_000, first + 120_000, first + 180_000, first + 240_000]);
        // Per window, the three nodes' means are 2, 4 and 9; x150001 (50) and y000001 (100) are not the job's.
        band.GetProperty("min").EnumerateArray().Select(v => v.GetDouble()).ShouldBe([2, 2, 2, 2, 2]);
        band.GetProperty("median").EnumerateArray().Select(v => v.GetDouble()).ShouldBe([4, 4, 4, 4, 4]);
        band.GetProperty("max").EnumerateArray().Select(v => v.GetDouble()).ShouldBe([9, 9, 9, 9, 9]);

        var csv = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics.csv?metrics=load_one&interval=60");
        var rows = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        csv.StatusCode.ShouldBe(HttpStatusCode.OK);
        rows.Length.ShouldBe(1 + 3 * 5);
        rows.Skip(1).Count(r => r.Contains(",max,") && r.EndsWith(",9")).ShouldBe(5);
        rows.Skip(1).Count(r => r.Contains(",min,") && r.EndsWith(",2")).ShouldBe(5);

        var raw = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics.csv?metrics=load_one&raw=true");
        raw.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await raw.Content.ReadAsStringAsync()).ShouldContain("\"node\"");
        var one = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics.csv?metrics=load_one&raw=true&node=x075000");
        one.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await one.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(1 + 30);

        var perNode = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics?metrics=load_one&perNode=true");
        perNode.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await perNode.Content.ReadAsStringAsync()).ShouldContain("\"perNode\"");
    }

    [Fact]
    public void The_host_regex_names_ranges_not_every_host()
    {
        HostRegex.Compact(["n07", "login", "n02", "n01", "n03"]).ShouldBe("/^(?:login|n(?:0[1-3]|07))$/");
        var pattern = HostRegex.Compact(Enumerable.Range(1, 150_000).Select(i => $"x{i:000000}"));
        pattern.Length.ShouldBeLessThan(200);
        var regex = new Regex(pattern.Trim('/'));
        foreach (var inside in new[] { "x000001", "x000010", "x099999", "x100000", "x149999", "x150000" }) regex.IsMatch(inside).ShouldBeTrue(inside);
        foreach (var outside in new[] { "x000000", "x150001", "x200000", "x1", "x0000001", "y000001" }) regex.IsMatch(outside).ShouldBeFalse(outside);
    }
}
