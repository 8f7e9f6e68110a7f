using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Jobmon.Testing;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>Finished jobs from the job-end archive, bands for big running jobs, statistics and findings while a job
/// runs: real influxd and PostgreSQL through the HTTP pipeline, data shaped as cc-metric-collector writes it.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricArchiveTests(InfluxServer influx) : IAsyncLifetime
{
    private JobmonApp _app = null!;
    private string _database = "";
    private TcpRelay _proxy = null!;
    private TestSmtpServer _smtp = null!;

    public async Task InitializeAsync()
    {
        _database = await influx.CreateDatabaseAsync("archive");
        _proxy = new TcpRelay(new Uri(influx.BaseUrl).Port);
        _smtp = new TestSmtpServer();
        _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?>
        {
            ["JOBMON_INFLUXDB"] = $"http://127.0.0.1:{_proxy.Port}",
            ["JOBMON_INFLUXDB_BUCKET"] = _database,
            ["Jobmon:JobEndRetries:Cooldowns:0"] = "00:00:00.500",
            ["Jobmon:JobMetrics:RunningStatisticsInterval"] = "00:00:02",
            ["Jobmon:JobMetrics:RunningStatisticsMinAge"] = "00:05:00",
            ["Jobmon:JobMetrics:MailFindingsToAdmins"] = "true",
            ["Jobmon:JobMetrics:OwnerMailAddress"] = "{user}@hpc.example.org",
            ["Jobmon:Email:SmtpHost"] = "127.0.0.1", ["Jobmon:Email:SmtpPort"] = _smtp.Port.ToString(),
            ["Jobmon:Email:Sender"] = "jobmon@hpc.example.org", ["Jobmon:Email:Receiver"] = "admins@hpc.example.org",
            ["Jobmon:Email:Security"] = "none",
            // The idle-GPU rule on this test's GPU metric.
            ["Jobmon:ClassificationRules:0:Tag"] = "idle-gpus", ["Jobmon:ClassificationRules:0:Metric"] = "arch_gpu",
            ["Jobmon:ClassificationRules:0:Statistic"] = "mean", ["Jobmon:ClassificationRules:0:Below"] = "5",
            ["Jobmon:ClassificationRules:0:MinDurationSeconds"] = "600", ["Jobmon:ClassificationRules:0:Reason"] = "GPUs were nearly idle: mean utilisation {value} %",
        });
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/settings", new { collectorIntervalSeconds = 10 })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        // Metrics of this test's own (no dependence on the default catalogue): a node metric and a per-socket sum.
        foreach (var (name, scope, agg) in new[] { ("arch_load", "node", "mean"), ("arch_bw", "socket", "sum"), ("arch_gpu", "accelerator", "mean") })
            (await _app.Admin().PutAsJsonAsync($"/api/admin/catalogue/metrics/{name}", new { displayName = name, measurement = name, unit = "x", scope, defaultAggregation = agg }))
                .StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _proxy.Dispose();
        await _smtp.DisposeAsync();
    }

    /// <summary>Line protocol as cc-metric-collector writes it: measurement = metric, tags cluster, hostname, type,
    /// type-id, field value, one sample every 10 s.</summary>
    private static string Lines(string metric, string host, string type, int typeId, double value, DateTimeOffset from, DateTimeOffset to)
    {
        var b = new StringBuilder();
        for (var t = from; t <= to; t = t.AddSeconds(10))
            b.Append($"{metric},cluster=arch,hostname={host},type={type},type-id={typeId} value={value.ToString(System.Globalization.CultureInfo.InvariantCulture)} {t.ToUnixTimeSeconds()}\n");
        return b.ToString();
    }

    private async Task<Guid> StartJobAsync(SlurmJob job) =>
        (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>()).JobId;

    private async Task<JsonElement> MetricsAsync(Guid id, string query)
    {
        var response = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics{query}");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    private static JsonElement Metric(JsonElement view, string name) => view.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);
    private static double[] Values(JsonElement series) => series.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
    private static Dictionary<string, double[]> ByLabel(JsonElement metric) =>
        metric.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("label").GetString()!, Values);

    private async Task<JobView> WaitForAsync(Guid id, Func<JobView, bool> done)
    {
        JobView? view = null;
        for (var i = 0; i < 240 && (view is null || !done(view)); i++)
        {
            await Task.Delay(500);
            await using var session = _app.Store.QuerySession();
            view = await session.LoadAsync<JobView>(id);
        }
        done(view!).ShouldBeTrue();
        return view!;
    }

    [Fact]
    public async Task A_finished_job_is_drawn_from_the_archive_with_influx_stopped_and_then_emptied()
    {
        // Starts and ends at odd seconds; 2 h at a 10 s collector interval: default view 60 s, archive grid 30 s.
        var start = new DateTimeOffset(2025, 4, 2, 8, 0, 7, TimeSpan.Zero);
        var stop = start.AddHours(2);
        var lines = new StringBuilder();
        foreach (var (host, nodeLoad, s0, s1) in new[] { ("a1", 40.0, 100.0, 50.0), ("a2", 20.0, 30.0, 30.0) })
        {
            lines.Append(Lines("arch_load", host, "node", 0, nodeLoad, start.AddMinutes(-10), stop.AddMinutes(10)));
            lines.Append(Lines("arch_bw", host, "socket", 0, s0, start.AddMinutes(-10), stop.AddMinutes(10)));
            lines.Append(Lines("arch_bw", host, "socket", 1, s1, start.AddMinutes(-10), stop.AddMinutes(10)));
        }
        await influx.WriteAsync(_database, lines.ToString());
        var job = new SlurmJob("arch", Unique.SlurmId(), NumNodes: 2, Nodes: "a1|a2", StartTime: start.ToUnixTimeSeconds());
        var id = await StartJobAsync(job);
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster=arch", SlurmJob.StopJson(0, stop.ToUnixTimeSeconds()))).EnsureSuccessStatusCode();

        var done = await WaitForAsync(id, v => v.StatisticsStopTime == stop);
        done.Statistics["arch_load"].Mean!.Value.ShouldBe(30, 1e-9);   // (40 + 20) / 2
        done.Statistics["arch_load"].Max!.Value.ShouldBe(40, 1e-9);
        done.Statistics["arch_bw"].Mean!.Value.ShouldBe(105, 1e-9);    // a1 100 + 50 = 150, a2 30 + 30 = 60
        await using (var session = _app.Store.QuerySession())
        {
            var archive = (await session.LoadAsync<JobMetricArchive>(id))!;
            archive.Format.ShouldBe(2);
            archive.Interval.ShouldBe(60);
            archive.FineInterval.ShouldBe(30);
        }

        // InfluxDB stopped: the default view and a zoom on the archived grid come from the archive.
        _proxy.Cut();
        var view = await MetricsAsync(id, "?metrics=arch_load,arch_bw");
        view.GetProperty("source").GetString().ShouldBe("archive");
        view.GetProperty("interval").GetInt64().ShouldBe(60);
        var load = Metric(view, "arch_load");
        var series = ByLabel(load);
        series.Keys.Order().ShouldBe(["a1", "a2"]);
        series["a1"].Length.ShouldBe(121); // windows anchored at the start: 08:00:07 + k·60 s, the last one starting at the stop
        series["a1"].ShouldAllBe(v => Math.Abs(v - 40) < 1e-6);
        series["a2"].ShouldAllBe(v => Math.Abs(v - 20) < 1e-6);
        load.GetProperty("series")[0].GetProperty("times")[0].GetInt64().ShouldBe(start.ToUnixTimeMilliseconds());
        load.GetProperty("series")[0].GetProperty("times")[1].GetInt64().ShouldBe(start.AddSeconds(60).ToUnixTimeMilliseconds());
        // Quantiles across 2 nodes, nearest rank as InfluxDB: q50 is the lower (20), q75 the upper (40).
        var bands = load.GetProperty("quantiles").GetProperty("bands");
        bands.GetProperty("q50").EnumerateArray().ShouldAllBe(v => Math.Abs(v.GetDouble() - 20) < 1e-6);
        bands.GetProperty("q75").EnumerateArray().ShouldAllBe(v => Math.Abs(v.GetDouble() - 40) < 1e-6);
        ByLabel(Metric(view, "arch_bw"))["a1"].ShouldAllBe(v => Math.Abs(v - 150) < 1e-6);

        var zoom = await MetricsAsync(id, "?metrics=arch_bw&interval=30");
        zoom.GetProperty("interval").GetInt64().ShouldBe(30);
        zoom.GetProperty("source").GetString().ShouldBe("archive");
        ByLabel(Metric(zoom, "arch_bw"))["a2"].Length.ShouldBe(241);
        var coarse = await MetricsAsync(id, "?metrics=arch_bw&interval=600");
        ByLabel(Metric(coarse, "arch_bw"))["a2"].ShouldBe([60.0, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60], tolerance: 1e-6); // 08:00:07 + k·10 min
        var devices = await MetricsAsync(id, "?metrics=arch_bw&node=a1");
        devices.GetProperty("source").GetString().ShouldBe("archive");
        var sockets = ByLabel(Metric(devices, "arch_bw"));
        sockets.Keys.Order().ShouldBe(["socket 0", "socket 1"]);
        sockets["socket 0"].ShouldAllBe(v => Math.Abs(v - 100) < 1e-6);
        sockets["socket 1"].ShouldAllBe(v => Math.Abs(v - 50) < 1e-6);
        // Finer than archived needs InfluxDB, which is down: the archive's nearest view instead of a 503.
        var nearest = await MetricsAsync(id, "?metrics=arch_bw&interval=10");
        nearest.GetProperty("interval").GetInt64().ShouldBe(60);

        // InfluxDB back but emptied (retention): the same answer.
        _proxy.Restore();
        await influx.QueryAsync("DROP SERIES FROM \"arch_load\"; DROP SERIES FROM \"arch_bw\"", _database);
        var again = await MetricsAsync(id, "?metrics=arch_load");
        again.GetProperty("source").GetString().ShouldBe("archive");
        ByLabel(Metric(again, "arch_load"))["a2"].Length.ShouldBe(121);
    }

    [Fact]
    public async Task A_big_running_job_is_shown_as_a_band_that_names_its_outliers()
    {
        var now = DateTimeOffset.UtcNow;
        var start = now.AddMinutes(-20);
        var hosts = Enumerable.Range(1, 12).Select(i => $"r{i:00}").ToArray();
        var lines = new StringBuilder();
        foreach (var host in hosts)
            lines.Append(Lines("arch_load", host, "node", 0, host switch { "r11" => 80, "r12" => 5, _ => 40 }, start, now));
        await influx.WriteAsync(_database, lines.ToString());
        var job = new SlurmJob("arch", Unique.SlurmId(), NumNodes: 12, Nodes: string.Join('|', hosts), StartTime: start.ToUnixTimeSeconds());
        var id = await StartJobAsync(job);

        var view = await MetricsAsync(id, "?metrics=arch_load&interval=60");
        var load = Metric(view, "arch_load");
        var band = load.GetProperty("band");
        band.GetProperty("nodes").GetInt32().ShouldBe(12);
        band.GetProperty("min").EnumerateArray().ShouldAllBe(v => Math.Abs(v.GetDouble() - 5) < 1e-9);
        band.GetProperty("max").EnumerateArray().ShouldAllBe(v => Math.Abs(v.GetDouble() - 80) < 1e-9);
        // 12 values sorted 5, 40 ×10, 80: nearest-rank median is the 6th, 40.
        band.GetProperty("median").EnumerateArray().ShouldAllBe(v => Math.Abs(v.GetDouble() - 40) < 1e-9);
        var outliers = band.GetProperty("outliers").EnumerateArray().ToDictionary(o => o.GetProperty("node").GetString()!, o => o.GetProperty("side").GetString());
        outliers.ShouldBe(new Dictionary<string, string?> { ["r11"] = "high", ["r12"] = "low" });
        ByLabel(load).Keys.Order().ShouldBe(["r11", "r12"]); // only the outliers keep their lines

        var perNode = await MetricsAsync(id, "?metrics=arch_load&interval=60&perNode=true");
        Metric(perNode, "arch_load").GetProperty("series").GetArrayLength().ShouldBe(12);
        Metric(perNode, "arch_load").TryGetProperty("band", out var none).ShouldBeTrue();
        none.ValueKind.ShouldBe(JsonValueKind.Null);

        var bad = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics?perNode=sometimes");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("perNode", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_running_job_gets_statistics_and_one_idle_gpu_finding_mailed_to_its_owner_and_the_admins()
    {
        var now = DateTimeOffset.UtcNow;
        var start = now.AddMinutes(-20);
        var lines = new StringBuilder();
        foreach (var host in new[] { "g1", "g2" })
        {
            lines.Append(Lines("arch_load", host, "node", 0, 40, start, now));
            lines.Append(Lines("arch_gpu", host, "accelerator", 0, 1, start, now));
            lines.Append(Lines("arch_gpu", host, "accelerator", 1, 2, start, now));
        }
        await influx.WriteAsync(_database, lines.ToString());
        var job = new SlurmJob("arch", Unique.SlurmId(), User: "bob", NumNodes: 2, Nodes: "g1|g2", StartTime: start.ToUnixTimeSeconds(), Gpus: 2);
        var id = await StartJobAsync(job);

        var view = await WaitForAsync(id, v => v.StatisticsUpdatedAt is not null && v.Findings.Length > 0);
        view.State.ShouldBe(JobState.Running);
        view.StatisticsStopTime.ShouldBeNull();
        view.Statistics["arch_gpu"].Mean!.Value.ShouldBe(1.5, 1e-9); // GPUs at 1 % and 2 %, mean per node, both nodes alike
        view.Statistics["arch_load"].Mean!.Value.ShouldBe(40, 1e-9);
        view.Findings.Select(f => f.Tag).ShouldBe(["idle-gpus"]);
        view.Tags.ShouldContain(t => t.Name == "idle-gpus" && t.CreatedBy == JobView.Classifier && t.Reason!.Contains("1.5"));

        // The page of the running job: the snapshot the refresh stored plus InfluxDB for the minutes since.
        var page = await MetricsAsync(id, "?metrics=arch_load,arch_gpu&interval=60");
        page.GetProperty("source").GetString().ShouldBe("archive+influxdb");
        var pageLoad = ByLabel(Metric(page, "arch_load"));
        pageLoad.Keys.Order().ShouldBe(["g1", "g2"]);
        pageLoad["g1"].Length.ShouldBeGreaterThanOrEqualTo(20); // 20 min of data at 60 s
        pageLoad.Values.SelectMany(v => v).ShouldAllBe(v => Math.Abs(v - 40) < 1e-6);
        ByLabel(Metric(page, "arch_gpu"))["g2"].ShouldAllBe(v => Math.Abs(v - 1.5) < 1e-6);

        var mail = await _smtp.NextMessageAsync(TimeSpan.FromSeconds(30));
        mail.To.Order().ShouldBe(["admins@hpc.example.org", "bob@hpc.example.org"]);
        mail.Header("Subject").ShouldContain("idle-gpus");

        // Later rounds refresh the statistics but never raise the same finding again, nor mail it again.
        var first = view.StatisticsUpdatedAt;
        await WaitForAsync(id, v => v.StatisticsUpdatedAt > first);
        await Task.Delay(3000);
        var history = await (await _app.Admin().GetAsync($"/api/jobs/{id}/history")).ReadAs<List<JobHistoryEntry>>();
        history.Count(h => h.Type == "job_findings_raised").ShouldBe(1);
        history.Count(h => h.Type == "running_job_statistics_recorded").ShouldBeGreaterThanOrEqualTo(2);
        _smtp.TryTake(out _).ShouldBeFalse();

        // The footprint in the list and the statistics on the job page, while the job runs.
        var list = await (await _app.Admin().GetAsync("/api/jobs?cluster=arch&state=running")).ReadAs<JobListPage>();
        list.Items.Single(j => j.Id == id).Statistics["arch_gpu"].Mean!.Value.ShouldBe(1.5, 1e-9);
        var detail = JsonDocument.Parse(await _app.Admin().GetStringAsync($"/api/jobs/{id}")).RootElement;
        detail.GetProperty("statistics").GetProperty("arch_load").GetProperty("mean").GetDouble().ShouldBe(40, 1e-9);

        // The job ends: its end extends the running snapshot (InfluxDB for the minutes since and the devices).
        var stop = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster=arch", SlurmJob.StopJson(0, stop.ToUnixTimeSeconds()))).EnsureSuccessStatusCode();
        var ended = await WaitForAsync(id, v => v.StatisticsStopTime == stop);
        ended.Statistics["arch_gpu"].Mean!.Value.ShouldBe(1.5, 1e-9);
        ended.Statistics["arch_load"].Max!.Value.ShouldBe(40, 1e-9);
        var finished = await MetricsAsync(id, "?metrics=arch_gpu&node=g1");
        finished.GetProperty("source").GetString().ShouldBe("archive");
        var gpus = ByLabel(Metric(finished, "arch_gpu"));
        gpus.Keys.Order().ShouldBe(["accelerator 0", "accelerator 1"]);
        gpus["accelerator 0"].ShouldAllBe(v => Math.Abs(v - 1) < 1e-6);
        gpus["accelerator 1"].ShouldAllBe(v => Math.Abs(v - 2) < 1e-6);
    }

    [Fact]
    public async Task An_archive_written_before_format_2_is_still_read()
    {
        var start = new DateTimeOffset(2025, 4, 3, 9, 0, 0, TimeSpan.Zero);
        var job = new SlurmJob("arch", Unique.SlurmId(), NumNodes: 1, Nodes: "old1", StartTime: start.ToUnixTimeSeconds());
        var id = await StartJobAsync(job);
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster=arch", SlurmJob.StopJson(0, start.AddHours(1).ToUnixTimeSeconds()))).EnsureSuccessStatusCode();
        await WaitForAsync(id, v => v.StatisticsStopTime is not null); // no data in InfluxDB: nothing archived worth serving

        // The earlier format: gzip JSON of one view, exactly as it was stored (camelCase, enums as strings).
        const string legacy = """
            {"jobId":"ID","from":"2025-04-03T09:00:00+00:00","to":"2025-04-03T10:00:00+00:00","interval":60,"intervals":[60],"node":null,
             "metricSource":"all metrics","source":"influxdb","errors":[],
             "metrics":[{"name":"arch_load","displayName":"arch_load","unit":"x","scope":"Node","categories":[],"aggregation":"Mean",
               "aggregations":["Mean"],"peak":null,"quantiles":null,"series":[{"label":"old1","times":[1743670800000],"values":[7.5]}]}]}
            """;
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
            gzip.Write(Encoding.UTF8.GetBytes(legacy.Replace("ID", id.ToString())));
        await using (var session = _app.Store.LightweightSession())
        {
            session.Store(new JobMetricArchive { Id = id, Format = 0, Interval = 60, CreatedAt = start, Compressed = buffer.ToArray() });
            await session.SaveChangesAsync();
        }
        var view = await MetricsAsync(id, "");
        view.GetProperty("source").GetString().ShouldBe("archive");
        ByLabel(Metric(view, "arch_load"))["old1"].ShouldBe([7.5]);
    }
}
