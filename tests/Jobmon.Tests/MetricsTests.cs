using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Jobmon.Testing;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

[CollectionDefinition(Name)]
public sealed class MetricsCollection : ICollectionFixture<InfluxServer>
{
    public const string Name = "metrics (InfluxDB)";
}

/// <summary>Job metric views against a real influxd and real PostgreSQL through the HTTP pipeline.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests(InfluxServer influx) : IAsyncLifetime
{
    private JobmonApp _app = null!;
    private string _database = "";
    private TcpRelay _proxy = null!;
    // Job window: 10:00-11:00 UTC on a fixed day; samples every 10 s.
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Stop = Start.AddHours(1);

    public async Task InitializeAsync()
    {
        _database = await influx.CreateDatabaseAsync("metrics");
        _proxy = new TcpRelay(new Uri(influx.BaseUrl).Port);
        _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?>
        {
            ["JOBMON_INFLUXDB"] = $"http://127.0.0.1:{_proxy.Port}",
            ["JOBMON_INFLUXDB_BUCKET"] = _database,
            // Configured arrays replace the defaults: 8 short cooldowns, then the durable schedule (every second,
            // for InfluxDB outages up to 10 minutes).
            ["Jobmon:JobEndRetries:Cooldowns:0"] = "00:00:00.500", ["Jobmon:JobEndRetries:Cooldowns:1"] = "00:00:01",
            ["Jobmon:JobEndRetries:Cooldowns:2"] = "00:00:01", ["Jobmon:JobEndRetries:Cooldowns:3"] = "00:00:02",
            ["Jobmon:JobEndRetries:Cooldowns:4"] = "00:00:02", ["Jobmon:JobEndRetries:Cooldowns:5"] = "00:00:03",
            ["Jobmon:JobEndRetries:Cooldowns:6"] = "00:00:05", ["Jobmon:JobEndRetries:Cooldowns:7"] = "00:00:05",
            ["Jobmon:JobEndRetries:Schedule:0"] = "00:00:01", ["Jobmon:JobEndRetries:InfluxOutageBudget"] = "00:10:00",
        });
        await SetCollectorIntervalAsync(10);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _proxy.Dispose();
    }

    private async Task SetCollectorIntervalAsync(int seconds) =>
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/settings", new { collectorIntervalSeconds = seconds })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

    /// <summary>cc-metric-collector-shaped points for the given hosts: node load_one, likwid mem_bw per socket (MByte/s) with its
    /// node total, per-GPU nv_util.</summary>
    private async Task WriteAsync(IEnumerable<string> hosts, DateTimeOffset from, DateTimeOffset to, double load = 40, double gpu = 2)
    {
        var lines = new StringBuilder();
        foreach (var host in hosts)
            for (var t = from; t <= to; t = t.AddSeconds(10))
            {
                var ts = t.ToUnixTimeSeconds();
                var h = Jobmon.Influx.LineProtocol.EscapeTagValue(host);
                lines.Append($"load_one,cluster=c1,hostname={h},type=node value={load} {ts}\n");
                lines.Append($"mem_bw,cluster=c1,hostname={h},type=socket,type-id=0 value=100 {ts}\n");
                lines.Append($"mem_bw,cluster=c1,hostname={h},type=socket,type-id=1 value=50 {ts}\n");
                lines.Append($"mem_bw,cluster=c1,hostname={h},type=node value=150 {ts}\n");
                for (var g = 0; g < 2; g++) lines.Append($"nv_util,cluster=c1,hostname={h},type=accelerator,type-id={g} value={gpu + g} {ts}\n");
            }
        await influx.WriteAsync(_database, lines.ToString());
    }

    private async Task<Guid> StartJobAsync(SlurmJob job) =>
        (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>()).JobId;

    private async Task<JsonElement> MetricsAsync(Guid id, string query = "")
    {
        var response = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics{query}");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    private static JsonElement Metric(JsonElement view, string name) => view.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Per_node_series_aggregate_devices_within_the_job_window_only()
    {
        var hosts = new[] { "n1.x", "n2" };
        await WriteAsync(hosts, Start.AddHours(-1), Stop.AddHours(1));
        await WriteAsync(["n1ax", "n3"], Start, Stop, load: 999); // other jobs' nodes, one that a bad regex would match
        var job = new SlurmJob("c1", Unique.SlurmId(), NumNodes: 2, Nodes: "n1.x|n2", StartTime: Start.ToUnixTimeSeconds());
        var id = await StartJobAsync(job);
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster=c1", SlurmJob.StopJson(0, Stop.ToUnixTimeSeconds()))).EnsureSuccessStatusCode();

        var view = await MetricsAsync(id, "?interval=60&metrics=load_one,mem_bw,nv_util");
        view.GetProperty("interval").GetInt64().ShouldBe(60);
        var memBw = Metric(view, "mem_bw");
        memBw.GetProperty("aggregation").GetString().ShouldBe("sum");
        var series = memBw.GetProperty("series").EnumerateArray().ToList();
        series.Select(s => s.GetProperty("label").GetString()).ShouldBe(["n1.x", "n2"]);
        foreach (var s in series)
        {
            var times = s.GetProperty("times").EnumerateArray().Select(t => t.GetInt64()).ToList();
            times.ShouldAllBe(t => t >= Start.ToUnixTimeMilliseconds() && t <= Stop.ToUnixTimeMilliseconds()); // never before the start
            s.GetProperty("values").EnumerateArray().ShouldAllBe(v => Math.Abs(v.GetDouble() - 150e6) < 1e-3); // the node row 150 MByte/s (= 100 + 50) in B/s
        }
        Metric(view, "load_one").GetProperty("series").EnumerateArray().SelectMany(s => s.GetProperty("values").EnumerateArray())
            .ShouldAllBe(v => Math.Abs(v.GetDouble() - 40) < 1e-9); // n1ax's 999 never leaks in
        var bands = memBw.GetProperty("quantiles").GetProperty("bands");
        bands.GetProperty("q50").EnumerateArray().ShouldAllBe(v => Math.Abs(v.GetDouble() - 150e6) < 1e-3);

        // Another aggregation across devices, and one node's devices.
        var mean = await MetricsAsync(id, "?interval=60&metrics=mem_bw&aggregation=mean");
        Metric(mean, "mem_bw").GetProperty("series")[0].GetProperty("values")[0].GetDouble().ShouldBe(75e6, 1e-3); // mean of the socket rows (100 + 50) / 2
        var devices = await MetricsAsync(id, "?interval=60&metrics=mem_bw&node=n1.x");
        Metric(devices, "mem_bw").GetProperty("series").EnumerateArray().Select(s => s.GetProperty("values")[0].GetDouble()).Order().ShouldBe([50e6, 100e6]);

        // The default interval gives about 200 points or fewer, as a multiple of the collector interval.
        var auto = await MetricsAsync(id, "?metrics=load_one");
        var interval = auto.GetProperty("interval").GetInt64();
        (interval % 10).ShouldBe(0);
        (3600 / interval).ShouldBeLessThanOrEqualTo(200);

        var csv = await (await _app.Admin().GetAsync($"/api/jobs/{id}/metrics.csv?metrics=load_one&interval=600")).Content.ReadAsStringAsync();
        csv.Split('\n')[0].ShouldBe("metric,unit,series,time,value");
        csv.ShouldContain("load_one,,n1.x,");
        var raw = await (await _app.Admin().GetAsync($"/api/jobs/{id}/metrics.csv?metrics=load_one&raw=true")).Content.ReadAsStringAsync();
        raw.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(1 + 2 * 361); // both nodes, every 10 s sample, inclusive ends
    }

    [Fact]
    public async Task Bad_parameters_and_foreign_nodes_are_rejected()
    {
        var job = new SlurmJob("c1", Unique.SlurmId(), StartTime: Start.ToUnixTimeSeconds());
        var id = await StartJobAsync(job);
        var response = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics?node=other&aggregation=median&interval=0");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        foreach (var field in new[] { "node", "aggregation", "interval" }) errors.TryGetProperty(field, out _).ShouldBeTrue(field);
    }

    [Fact]
    public async Task Job_end_records_statistics_archives_series_and_classifies_idle_gpus_even_when_influx_was_down()
    {
        var hosts = new[] { "g1", "g2" };
        await WriteAsync(hosts, Start, Stop, load: 30, gpu: 1);
        var job = new SlurmJob("c1", Unique.SlurmId(), NumNodes: 2, Nodes: "g1|g2", StartTime: Start.ToUnixTimeSeconds(), Gpus: 2);
        var id = await StartJobAsync(job);

        _proxy.Cut(); // InfluxDB unreachable at stop time: the stop must not wait or fail
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster=c1", SlurmJob.StopJson(0, Stop.ToUnixTimeSeconds()))).EnsureSuccessStatusCode();
        (await _app.Admin().GetAsync($"/api/jobs/{id}/metrics")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var ready = JsonDocument.Parse(await _app.Client().GetStringAsync("/health/ready")).RootElement;
        ready.GetProperty("checks").GetProperty("influxdb").GetProperty("status").GetString().ShouldBe("down");
        await Task.Delay(3000);
        (await (await _app.Admin().GetAsync($"/api/jobs/{id}")).ReadAs<JobDetail>()).State.ShouldBe(JobState.Completed);

        _proxy.Restore(); // back: the durable retry completes the work
        JobView? view = null;
        for (var i = 0; i < 360 && view?.StatisticsStopTime is null; i++)
        {
            await Task.Delay(500);
            await using var session = _app.Store.QuerySession();
            view = await session.LoadAsync<JobView>(id);
        }
        view!.StatisticsStopTime.ShouldBe(Stop);
        view.Statistics["load_one"].Mean!.Value.ShouldBe(30, 1e-9);
        view.Statistics["nv_util"].Mean!.Value.ShouldBe(1.5, 1e-9); // GPUs 1 % and 2 %, mean across devices
        view.Tags.ShouldContain(t => t.Name == "idle-gpus" && t.CreatedBy == JobView.Classifier && t.Reason!.Contains("1.5"));
        var history = await (await _app.Admin().GetAsync($"/api/jobs/{id}/history")).ReadAs<List<JobHistoryEntry>>();
        history.Select(h => h.Type).ShouldContain("job_metric_statistics_recorded");
        history.Select(h => h.Type).ShouldContain("job_classified");

        // After InfluxDB's retention removed the data, the archive still draws the job.
        await influx.QueryAsync("DROP SERIES FROM \"load_one\"; DROP SERIES FROM \"mem_bw\"; DROP SERIES FROM \"nv_util\"", _database);
        var archived = await MetricsAsync(id);
        archived.GetProperty("source").GetString().ShouldBe("archive");
        Metric(archived, "load_one").GetProperty("series").GetArrayLength().ShouldBe(2);

        var tagged = await (await _app.Admin().GetAsync("/api/jobs?tags=idle-gpus&cluster=c1")).ReadAs<JobListPage>();
        tagged.Items.ShouldContain(j => j.Id == id);
    }

    [Fact]
    public async Task Live_updates_reach_every_viewer_from_one_shared_feed()
    {
        var now = DateTimeOffset.UtcNow;
        var start = now.AddMinutes(-5);
        await WriteAsync(["l1"], start, now);
        var job = new SlurmJob("c1", Unique.SlurmId(), NumNodes: 1, Nodes: "l1", StartTime: start.ToUnixTimeSeconds());
        var id = await StartJobAsync(job);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        async Task<string> FirstUpdate()
        {
            using var response = await _app.Admin().GetAsync($"/api/jobs/{id}/live", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            while (await reader.ReadLineAsync(cts.Token) is { } line)
                if (line.StartsWith("data: ")) return line["data: ".Length..];
            return "";
        }
        var updates = await Task.WhenAll(FirstUpdate(), FirstUpdate());
        foreach (var update in updates)
        {
            var cpu = JsonDocument.Parse(update).RootElement.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "load_one");
            cpu.GetProperty("series")[0].GetProperty("label").GetString().ShouldBe("l1");
        }
        var feeds = (LiveFeeds)_app.Services.GetService(typeof(LiveFeeds))!;
        feeds.Queries.ShouldBeLessThanOrEqualTo(2); // one feed for both viewers (one query per tick, not per viewer)

        (await _app.Client(JobmonApp.IngestToken).GetAsync($"/api/jobs/{id}/live")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Catalogue_changes_are_validated_audited_and_effective_at_once()
    {
        var bad = await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/metrics/gpfs_read", new
        {
            measurement = "gpfs", scope = "node", filters = new[] { new { key = "filesystem", op = "matches", value = "([" } }, aggregations = new[] { "sum" }, defaultAggregation = "max",
        });
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        errors.TryGetProperty("filters[0].value", out _).ShouldBeTrue();
        errors.TryGetProperty("defaultAggregation", out _).ShouldBeTrue();
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/metrics/x", new { scope = "galaxy" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/metrics/gpfs_read", new
        {
            displayName = "GPFS read", measurement = "gpfs_bytes_read", unit = "B/s", scope = "node", isCounter = true,
            filters = new[] { new { key = "filesystem", op = "equals", value = "home" } }, categories = new[] { "I/O" },
        })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var unknown = await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/partitions/gpu?cluster=c9", new { maxTime = 3600, metrics = new[] { "nope" } });
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/partitions/gpu?cluster=c9", new
        {
            maxTime = 172800, metrics = new[] { "load_one", "nv_util" },
            virtualPartitions = new[] { new { name = "gpfs-test", nodes = "vn[01-03,05]", metrics = new[] { "gpfs_read" } } },
        })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/partitions/bad?cluster=c9", new { virtualPartitions = new[] { new { name = "v", nodes = "n[1-", metrics = Array.Empty<string>() } } }))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // A job on vn02+vn05 gets the virtual partition's metrics; the counter becomes a rate.
        var t0 = Start.ToUnixTimeSeconds();
        var lines = new StringBuilder();
        foreach (var host in new[] { "vn02", "vn05" })
            for (var i = 0; i <= 360; i++)
                lines.Append($"gpfs_bytes_read,hostname={host},filesystem=home value={i * 1000} {t0 + i * 10}\n")
                     .Append($"gpfs_bytes_read,hostname={host},filesystem=work value={i * 999999} {t0 + i * 10}\n");
        await influx.WriteAsync(_database, lines.ToString());
        var job = new SlurmJob("c9", Unique.SlurmId(), Partition: "gpu", NumNodes: 2, Nodes: "vn02|vn05", StartTime: t0);
        var id = await StartJobAsync(job);
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster=c9", SlurmJob.StopJson(0, t0 + 3600))).EnsureSuccessStatusCode();
        var view = await MetricsAsync(id, "?interval=60");
        view.GetProperty("metricSource").GetString().ShouldBe("virtual partition gpfs-test");
        var gpfs = Metric(view, "gpfs_read");
        gpfs.GetProperty("series").EnumerateArray().SelectMany(s => s.GetProperty("values").EnumerateArray())
            .ShouldAllBe(v => Math.Abs(v.GetDouble() - 100) < 1e-6, gpfs.ToString()); // 1000 B per 10 s on "home" only

        var history = await (await _app.Admin().GetAsync("/api/admin/catalogue/history")).ReadAs<List<JobHistoryEntry>>();
        history.ShouldContain(h => h.Type == "metric_defined" && h.CausedBy == "admin-token");
        history.ShouldContain(h => h.Type == "partition_defined");
    }
}
