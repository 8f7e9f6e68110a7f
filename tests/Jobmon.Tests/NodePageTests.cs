using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jobmon.Jobs.Ingestion;
using Jobmon.Testing;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>Issue 15, nodes: the node page's jobs (read model, node GIN index, visibility) and its metric series
/// (real InfluxDB, collector-shaped samples), and tag suggestions for the tag input.</summary>
[Collection(MetricsCollection.Name)]
public sealed class NodePageTests(InfluxServer influx) : IAsyncLifetime
{
    private JobmonApp _app = null!;
    private string _database = "";
    private static readonly DateTimeOffset Ten = new(2025, 4, 2, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Twelve = Ten.AddHours(2);

    public async Task InitializeAsync()
    {
        _database = await influx.CreateDatabaseAsync("nodes");
        _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?>
        {
            ["JOBMON_INFLUXDB"] = influx.BaseUrl,
            ["JOBMON_INFLUXDB_BUCKET"] = _database,
        });
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/settings", new { collectorIntervalSeconds = 10 }))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-ddTHH:mm:ssZ"));

    private async Task<Guid> StartAsync(SlurmJob job) =>
        (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>()).JobId;

    private async Task StopAsync(SlurmJob job, DateTimeOffset stop) =>
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster={job.Cluster}", SlurmJob.StopJson(0, stop.ToUnixTimeSeconds())))
        .EnsureSuccessStatusCode();

    private async Task<HttpClient> LoginAsync(string name)
    {
        (await _app.Admin().PostAsJsonAsync("/api/admin/users", new { username = name, password = $"{name}-password-1", roles = new[] { "user" } }))
            .EnsureSuccessStatusCode();
        var client = _app.Client();
        var response = await client.PostAsJsonAsync("/api/login", new { username = name, password = $"{name}-password-1" });
        response.EnsureSuccessStatusCode();
        client.DefaultRequestHeaders.Add("Cookie", response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("Authorization=")).Split(';')[0]);
        return client;
    }

    private static async Task<JsonElement> OkJson(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task ShouldBeProblem(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        if (field.Length > 0) body.ShouldContain($"\"{field}\"");
    }

    [Fact]
    public async Task Node_jobs_are_the_ones_overlapping_the_window_and_users_see_their_own_plus_a_count()
    {
        var c = Unique.Name("np");
        var ann = Unique.Name("ann");
        // A: ann, on the node, 10:00-10:30 (finished, inside). B: ben, on the node, running since 10:45.
        // C: ann, on the node, 08:00-09:00 (before the window). D: ann, running since 10:00 on another node only.
        var a = new SlurmJob(c, Unique.SlurmId(), User: ann, NumNodes: 2, Nodes: "h1|h2", StartTime: Ten.ToUnixTimeSeconds());
        var b = new SlurmJob(c, Unique.SlurmId(), User: "ben", NumNodes: 1, Nodes: "h1", StartTime: Ten.AddMinutes(45).ToUnixTimeSeconds());
        var cj = new SlurmJob(c, Unique.SlurmId(), User: ann, NumNodes: 1, Nodes: "h1", StartTime: Ten.AddHours(-2).ToUnixTimeSeconds());
        var d = new SlurmJob(c, Unique.SlurmId(), User: ann, NumNodes: 1, Nodes: "h3", StartTime: Ten.ToUnixTimeSeconds());
        var idA = await StartAsync(a); var idB = await StartAsync(b); await StartAsync(cj); await StartAsync(d);
        await StopAsync(a, Ten.AddMinutes(30));
        await StopAsync(cj, Ten.AddHours(-1));

        var window = $"from={Iso(Ten)}&to={Iso(Twelve)}";
        var all = await OkJson(await _app.Admin().GetAsync($"/api/clusters/{c}/nodes/h1?{window}"));
        all.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetGuid()).ShouldBe([idA, idB]); // by start
        all.GetProperty("otherJobs").GetInt32().ShouldBe(0);
        all.GetProperty("jobs")[1].GetProperty("state").GetString().ShouldBe("running");
        all.GetProperty("from").GetDateTimeOffset().ShouldBe(Ten);

        // The window 08:30-09:30 holds only C's last half hour.
        var early = await OkJson(await _app.Admin().GetAsync($"/api/clusters/{c}/nodes/h1?from={Iso(Ten.AddMinutes(-90))}&to={Iso(Ten.AddMinutes(-30))}"));
        early.GetProperty("jobs").GetArrayLength().ShouldBe(1);
        early.GetProperty("jobs")[0].GetProperty("jobId").GetInt64().ShouldBe(cj.Id);

        var user = await LoginAsync(ann);
        var own = await OkJson(await user.GetAsync($"/api/clusters/{c}/nodes/h1?{window}"));
        own.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetGuid()).ShouldBe([idA]);
        own.GetProperty("otherJobs").GetInt32().ShouldBe(1); // ben's B: counted, not shown
        (await OkJson(await user.GetAsync($"/api/clusters/{c}/nodes/h9?{window}"))).GetProperty("jobs").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Node_inputs_are_validated_naming_the_field()
    {
        var c = Unique.Name("npv");
        await StartAsync(new SlurmJob(c, Unique.SlurmId(), NumNodes: 1, Nodes: "h1", StartTime: Ten.ToUnixTimeSeconds()));
        var admin = _app.Admin();
        await ShouldBeProblem(await admin.GetAsync($"/api/clusters/{c}/nodes/bad%24host"), HttpStatusCode.BadRequest, "host");
        await ShouldBeProblem(await admin.GetAsync($"/api/clusters/{c}/nodes/{new string('h', 256)}"), HttpStatusCode.BadRequest, "host");
        await ShouldBeProblem(await admin.GetAsync($"/api/clusters/bad%24c/nodes/h1"), HttpStatusCode.BadRequest, "cluster");
        await ShouldBeProblem(await admin.GetAsync($"/api/clusters/{Unique.Name("nowhere")}/nodes/h1"), HttpStatusCode.NotFound, "");
        await ShouldBeProblem(await admin.GetAsync($"/api/clusters/{c}/nodes/h1?from={Iso(Twelve)}&to={Iso(Ten)}"), HttpStatusCode.BadRequest, "from");
        await ShouldBeProblem(await admin.GetAsync($"/api/clusters/{c}/nodes/h1?from=yesterday"), HttpStatusCode.BadRequest, "from");
        await ShouldBeProblem(await admin.GetAsync($"/api/clusters/{c}/nodes/h1?from={Iso(Ten)}&to={Iso(Ten.AddDays(32))}"),
            HttpStatusCode.BadRequest, "to");
        await ShouldBeProblem(await admin.GetAsync($"/api/clusters/{c}/nodes/h1?node=x"), HttpStatusCode.BadRequest, "node");
        var metrics = $"/api/clusters/{c}/nodes/h1/metrics?from={Iso(Ten)}&to={Iso(Twelve)}";
        await ShouldBeProblem(await admin.GetAsync(metrics + "&resolution=abc"), HttpStatusCode.BadRequest, "resolution");
        await ShouldBeProblem(await admin.GetAsync(metrics + "&resolution=0"), HttpStatusCode.BadRequest, "resolution");
        // 7200 s at 1 s would be 7200 points (> 2000).
        await ShouldBeProblem(await admin.GetAsync(metrics + "&resolution=1"), HttpStatusCode.BadRequest, "resolution");
        await ShouldBeProblem(await admin.GetAsync(metrics + "&metrics=no_such_metric"), HttpStatusCode.BadRequest, "metrics");
        await ShouldBeProblem(await admin.GetAsync(metrics + "&interval=60"), HttpStatusCode.BadRequest, "interval");
    }

    /// <summary>Collector-shaped samples every 10 s in [10:00, 12:00): load_one (node) 10 before 11:00, 30 from 11:00;
    /// mem_bw per socket 100 and 50 MByte/s with the node row 150. Another host has 999 everywhere.</summary>
    private async Task WriteSamplesAsync(string cluster, string host, string other)
    {
        var lines = new StringBuilder();
        for (var t = Ten; t < Twelve; t = t.AddSeconds(10))
        {
            var ts = t.ToUnixTimeSeconds();
            var load = t < Ten.AddHours(1) ? 10 : 30;
            lines.Append($"load_one,cluster={cluster},hostname={host},type=node value={load} {ts}\n");
            lines.Append($"mem_bw,cluster={cluster},hostname={host},type=socket,type-id=0 value=100 {ts}\n");
            lines.Append($"mem_bw,cluster={cluster},hostname={host},type=socket,type-id=1 value=50 {ts}\n");
            lines.Append($"mem_bw,cluster={cluster},hostname={host},type=node value=150 {ts}\n");
            lines.Append($"load_one,cluster={cluster},hostname={other},type=node value=999 {ts}\n");
        }
        await influx.WriteAsync(_database, lines.ToString());
    }

    private static JsonElement Metric(JsonElement view, string name) =>
        view.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);

    private static double[] Values(JsonElement metric) => metric.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();

    [Fact]
    public async Task Node_metrics_come_at_a_resolution_for_the_window_so_zooming_in_gets_finer_data()
    {
        var c = Unique.Name("npm");
        var host = Unique.Name("h");
        await WriteSamplesAsync(c, host, host + "x");
        await StartAsync(new SlurmJob(c, Unique.SlurmId(), NumNodes: 1, Nodes: host, StartTime: Ten.ToUnixTimeSeconds()));
        var url = $"/api/clusters/{c}/nodes/{host}/metrics?metrics=load_one,mem_bw";

        // 2 h: 7200 s / 600 points = 12 s, so the next nice interval, 30 s: 240 windows from 10:00.
        var twoHours = await OkJson(await _app.Admin().GetAsync($"{url}&from={Iso(Ten)}&to={Iso(Twelve)}"));
        twoHours.GetProperty("resolution").GetInt64().ShouldBe(30);
        var load = Metric(twoHours, "load_one");
        var times = load.GetProperty("times").EnumerateArray().Select(t => t.GetInt64()).ToArray();
        times.Length.ShouldBe(240);
        times[0].ShouldBe(Ten.ToUnixTimeMilliseconds());
        times[120].ShouldBe(Ten.AddHours(1).ToUnixTimeMilliseconds());
        var values = Values(load);
        values[119].ShouldBe(10); // 10:59:30-11:00:00: samples :30 :40 :50, all 10
        values[120].ShouldBe(30); // the other host's 999 never leaks in
        values.ShouldAllBe(v => v == 10 || v == 30);
        // mem_bw: the node row (sum of the sockets) in B/s.
        var memBw = Metric(twoHours, "mem_bw");
        memBw.GetProperty("unit").GetString().ShouldBe("B/s");
        Values(memBw).ShouldAllBe(v => Math.Abs(v - 150e6) < 1e-3);

        // Zoomed to 10:50-11:10 (1200 s): 2 s per point is below the collector's 10 s, so 10 s: 120 windows, and
        // the sample at 11:10:00 (the end is inclusive) opens a 121st.
        var zoomed = await OkJson(await _app.Admin().GetAsync($"{url}&from={Iso(Ten.AddMinutes(50))}&to={Iso(Ten.AddMinutes(70))}"));
        zoomed.GetProperty("resolution").GetInt64().ShouldBe(10);
        var zoomedLoad = Values(Metric(zoomed, "load_one"));
        zoomedLoad.Length.ShouldBe(121);
        zoomedLoad[59].ShouldBe(10); // 10:59:50
        zoomedLoad[60].ShouldBe(30); // 11:00:00

        // An explicit resolution: 10-minute windows, six before 11:00 and six after (no sample at 12:00).
        var coarse = await OkJson(await _app.Admin().GetAsync($"{url}&from={Iso(Ten)}&to={Iso(Twelve)}&resolution=600"));
        Values(Metric(coarse, "load_one")).ShouldBe([10, 10, 10, 10, 10, 10, 30, 30, 30, 30, 30, 30]);

        // Across the change: 10:55-11:05 at 600 s is one window, the mean of 30 samples of 10 and 30 of 30 = 20; the
        // sample at 11:05:00 (inclusive end) is a second window of its own.
        var across = await OkJson(await _app.Admin().GetAsync($"{url}&from={Iso(Ten.AddMinutes(55))}&to={Iso(Ten.AddMinutes(65))}&resolution=600"));
        Values(Metric(across, "load_one")).ShouldBe([20, 30]);
    }

    [Fact]
    public async Task Tag_suggestions_list_the_callers_visible_tags_by_prefix()
    {
        var c = Unique.Name("tg");
        var ann = Unique.Name("ann");
        var p = Unique.Name("t"); // a prefix no other test's tags have
        var mine = await StartAsync(new SlurmJob(c, Unique.SlurmId(), User: ann, NumNodes: 1, Nodes: "h1", StartTime: Ten.ToUnixTimeSeconds()));
        var theirs = await StartAsync(new SlurmJob(c, Unique.SlurmId(), User: "ben", NumNodes: 1, Nodes: "h1", StartTime: Ten.ToUnixTimeSeconds()));
        foreach (var (id, name) in new[] { (mine, $"{p}-alpha"), (mine, $"{p}_beta"), (theirs, $"{p}-alpine"), (theirs, $"{p}xbeta") })
            (await _app.Admin().PostAsJsonAsync($"/api/jobs/{id}/tags", new { name, visibility = "public" })).EnsureSuccessStatusCode();

        var admin = await OkJson(await _app.Admin().GetAsync($"/api/tags?prefix={p}-al"));
        admin.EnumerateArray().Select(t => t.GetString()).ShouldBe([$"{p}-alpha", $"{p}-alpine"]);
        // '_' is a character here, not LIKE's wildcard: "{p}xbeta" does not match "{p}_".
        (await OkJson(await _app.Admin().GetAsync($"/api/tags?prefix={p}_"))).EnumerateArray().Select(t => t.GetString())
            .ShouldBe([$"{p}_beta"]);
        var user = await LoginAsync(ann);
        (await OkJson(await user.GetAsync($"/api/tags?prefix={p.ToUpperInvariant()}"))).EnumerateArray().Select(t => t.GetString())
            .ShouldBe([$"{p}-alpha", $"{p}_beta"]); // only the tags on ann's job; case-insensitive
        await ShouldBeProblem(await user.GetAsync("/api/tags?prefix=%24x"), HttpStatusCode.BadRequest, "prefix");
        await ShouldBeProblem(await user.GetAsync($"/api/tags?prefix={new string('a', 65)}"), HttpStatusCode.BadRequest, "prefix");
        await ShouldBeProblem(await user.GetAsync("/api/tags?name=x"), HttpStatusCode.BadRequest, "name");
    }
}
