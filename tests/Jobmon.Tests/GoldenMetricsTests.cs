using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Metrics;
using Jobmon.Testing;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>
/// Golden data: line protocol shaped exactly as cc-metric-collector's influx sink writes it (tags in lexical order,
/// field <c>value</c>, nanosecond timestamps; cpustat's node row = sum of its hwthread rows and its <c>unit</c> tag,
/// likwid's hwthread + socket + node rows, memstat's node + memoryDomain rows in kB, nvidia's accelerator rows in
/// MByte, ibstat's byte counter with device/port tags and a reset), into the real InfluxDB 1.x, read through the real
/// HTTP API. Every expected value is worked out by hand in the comments.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class GoldenMetricsTests(InfluxServer influx) : IAsyncLifetime
{
    private JobmonApp _app = null!;
    private string _database = "";

    // Collector samples every 10 s at an odd millisecond: 12:50:03.417, 12:50:13.417, … 13:00:03.417 (61 samples).
    private static readonly DateTimeOffset FirstSample = new(2025, 6, 2, 12, 50, 3, 417, TimeSpan.Zero);
    // Hwthreads run at 50 % until 12:54:06, then at 80 %.
    private static readonly DateTimeOffset LoadStep = new(2025, 6, 2, 12, 54, 6, TimeSpan.Zero);
    // The jobs start and end at arbitrary seconds (not on any interval boundary).
    private static readonly DateTimeOffset Start = new(2025, 6, 2, 12, 51, 6, TimeSpan.Zero);
    private static readonly DateTimeOffset Stop = new(2025, 6, 2, 12, 57, 41, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        _database = await influx.CreateDatabaseAsync("golden");
        _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?>
        {
            ["JOBMON_INFLUXDB"] = influx.BaseUrl,
            ["JOBMON_INFLUXDB_BUCKET"] = _database,
        });
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/settings", new { collectorIntervalSeconds = 10 })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>One line as the sink writes it: tags sorted by key, field "value", time in ns.</summary>
    private static string Line(string metric, string host, string type, int? typeId, double value, DateTimeOffset t, params (string Key, string Value)[] extra)
    {
        var tags = new List<(string Key, string Value)> { ("cluster", "gold"), ("hostname", host), ("type", type) };
        if (typeId is { } id) tags.Add(("type-id", id.ToString()));
        tags.AddRange(extra);
        var ns = (t.ToUnixTimeMilliseconds() * 1_000_000L).ToString();
        return $"{metric},{string.Join(",", tags.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key}={x.Value}"))} value={value.ToString(System.Globalization.CultureInfo.InvariantCulture)} {ns}\n";
    }

    /// <summary>A CPU node (8 hwthreads, 2 sockets, 2 NUMA domains, one InfiniBand port) from <paramref name="from"/> on, 61 samples.</summary>
    private static string CpuNode(string host, double load, DateTimeOffset first, int samples = 61)
    {
        var lp = new StringBuilder();
        for (var k = 0; k < samples; k++)
        {
            var t = first.AddSeconds(10 * k);
            var user = t < LoadStep ? 50 : 80;
            lp.Append(Line("load_one", host, "node", null, load, t));
            for (var c = 0; c < 8; c++) lp.Append(Line("cpu_user", host, "hwthread", c, user, t, ("unit", "Percent")));
            lp.Append(Line("cpu_user", host, "node", null, 8 * user, t, ("unit", "Percent")));              // cpustat: sum over the 8 hwthreads
            for (var c = 0; c < 8; c++) lp.Append(Line("flops_dp", host, "hwthread", c, 1000, t));          // likwid, MFlops/s
            for (var s = 0; s < 2; s++) lp.Append(Line("flops_dp", host, "socket", s, 4000, t));            // socket totals (4 threads each)
            lp.Append(Line("flops_dp", host, "node", null, 8000, t));                                       // node total
            lp.Append(Line("mem_used", host, "node", null, 50_000_000, t));                                 // kB
            for (var d = 0; d < 2; d++) lp.Append(Line("mem_used", host, "memoryDomain", d, 25_000_000, t));
            // ibstat: a byte counter growing 1 MB per 10 s, reset to 0 at sample 30 (a driver reload).
            var counter = k < 30 ? 1_000_000L * k : 1_000_000L * (k - 30);
            lp.Append(Line("ib_recv", host, "node", null, counter, t, ("device", "mlx5_0"), ("port", "1")));
        }
        return lp.ToString();
    }

    /// <summary>A GPU node: 4 GPUs at 1, 2, 3 and 4 % utilisation, 1000 MByte each.</summary>
    private static string GpuNode(string host)
    {
        var lp = new StringBuilder();
        for (var k = 0; k < 61; k++)
        {
            var t = FirstSample.AddSeconds(10 * k);
            lp.Append(Line("load_one", host, "node", null, 1, t));
            for (var g = 0; g < 4; g++)
            {
                lp.Append(Line("nv_util", host, "accelerator", g, g + 1, t));
                lp.Append(Line("nv_fb_mem_used", host, "accelerator", g, 1000, t));
            }
        }
        return lp.ToString();
    }

    private async Task<Guid> StartJobAsync(SlurmJob job) =>
        (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>()).JobId;

    private async Task<(SlurmJob Job, Guid Id)> FinishedJobAsync(string nodes, int count, DateTimeOffset start, DateTimeOffset stop, string partition = "cpu")
    {
        var job = new SlurmJob("gold", Unique.SlurmId(), Partition: partition, NumNodes: count, Nodes: nodes, StartTime: start.ToUnixTimeSeconds());
        var id = await StartJobAsync(job);
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster=gold", SlurmJob.StopJson(0, stop.ToUnixTimeSeconds()))).EnsureSuccessStatusCode();
        return (job, id);
    }

    private async Task<JsonElement> MetricsAsync(Guid id, string query)
    {
        var response = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics{query}");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    private static JsonElement Metric(JsonElement view, string name) =>
        view.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);

    private static Dictionary<string, double[]> Series(JsonElement metric) =>
        metric.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("label").GetString()!,
            s => s.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray());

    private static long[] Times(JsonElement metric) =>
        metric.GetProperty("series")[0].GetProperty("times").EnumerateArray().Select(t => t.GetInt64()).ToArray();

    private async Task<JobView> StatisticsAsync(Guid id)
    {
        JobView? view = null;
        for (var i = 0; i < 240 && view?.StatisticsStopTime is null; i++)
        {
            await Task.Delay(250);
            await using var session = _app.Store.QuerySession();
            view = await session.LoadAsync<JobView>(id);
        }
        view!.StatisticsStopTime.ShouldNotBeNull("no statistics were recorded");
        return view;
    }

    [Fact]
    public async Task Node_values_come_from_one_scope_and_device_views_show_exactly_one_scope()
    {
        await influx.WriteAsync(_database, CpuNode("cn01", 4, FirstSample) + CpuNode("cn02", 6, FirstSample), "ns");
        var (_, id) = await FinishedJobAsync("cn01|cn02", 2, Start, Stop);

        // 60 s windows aligned to the job's start 12:51:06: 12:51:06, 12:52:06, … 12:57:06 (the last one partial, to
        // 12:57:41) — 7 windows, each starting at start + k·60 s, never before the start.
        var view = await MetricsAsync(id, "?interval=60&metrics=cpu_user,flops_dp,mem_used,ib_recv,load_one");
        var cpu = Metric(view, "cpu_user");
        cpu.GetProperty("aggregation").GetString().ShouldBe("sum");
        Times(cpu).ShouldBe(Enumerable.Range(0, 7).Select(k => Start.ToUnixTimeMilliseconds() + k * 60_000L).ToArray());
        // Default (sum) = cpustat's node rows: windows 0-2 hold only samples before 12:54:06 (8 × 50 = 400), windows
        // 3-6 only later ones (8 × 80 = 640). Not 88.89 (everything averaged) and not 800 (node + hwthreads summed).
        Series(cpu)["cn01"].ShouldBe([400, 400, 400, 640, 640, 640, 640]);
        Series(cpu)["cn02"].ShouldBe([400, 400, 400, 640, 640, 640, 640]);
        // Mean across the hwthread rows: 50 then 80.
        Series(Metric(await MetricsAsync(id, "?interval=60&metrics=cpu_user&aggregation=mean"), "cpu_user"))["cn01"].ShouldBe([50, 50, 50, 80, 80, 80, 80]);

        // likwid flops_dp: node rows 8000 MFlops/s = 8e9 FLOP/s (not 16000 from node + hwthreads); max over the hwthread
        // rows 1000 MFlops/s = 1e9 (not 8000 from the node row).
        Series(Metric(view, "flops_dp"))["cn01"].ShouldAllBe(v => v == 8e9);
        Series(Metric(await MetricsAsync(id, "?interval=60&metrics=flops_dp&aggregation=max"), "flops_dp"))["cn01"].ShouldAllBe(v => v == 1e9);
        // memstat: the node row 50,000,000 kB × 1024 = 51,200,000,000 B (the two NUMA rows are not added to it).
        Series(Metric(view, "mem_used"))["cn01"].ShouldAllBe(v => v == 51_200_000_000);
        Metric(view, "mem_used").GetProperty("unit").GetString().ShouldBe("B");
        // ibstat counter: 1,000,000 B per 10 s = 100,000 B/s in every window; the reset (29 MB → 0) gives no negative rate.
        Series(Metric(view, "ib_recv"))["cn01"].ShouldAllBe(v => v == 100_000);
        // Quantiles across the two nodes' load (4 and 6), nearest rank: q25 = rank round(0.5) = 1st = 4,
        // q50 = rank round(1) = 1st = 4, q75 = rank round(1.5) = 2nd = 6.
        var bands = Metric(view, "load_one").GetProperty("quantiles").GetProperty("bands");
        bands.GetProperty("q25").EnumerateArray().ShouldAllBe(v => v.GetDouble() == 4);
        bands.GetProperty("q50").EnumerateArray().ShouldAllBe(v => v.GetDouble() == 4);
        bands.GetProperty("q75").EnumerateArray().ShouldAllBe(v => v.GetDouble() == 6);

        // One node's devices: exactly the 8 hwthreads (no 9th line called "node"), 50 then 80 each.
        var devices = await MetricsAsync(id, "?interval=60&metrics=cpu_user,flops_dp&node=cn01");
        var threads = Series(Metric(devices, "cpu_user"));
        threads.Keys.ShouldBe(Enumerable.Range(0, 8).Select(c => $"hwthread {c}").ToArray());
        threads.Values.ShouldAllBe(v => v.SequenceEqual(new double[] { 50, 50, 50, 80, 80, 80, 80 }));
        Series(Metric(devices, "flops_dp")).Count.ShouldBe(8); // hwthreads only, not the 2 socket rows or the node row
        Metric(devices, "cpu_user").GetProperty("peak").GetDouble().ShouldBe(100); // the device peak in a device view
    }

    [Fact]
    public async Task Statistics_exist_for_jobs_at_arbitrary_seconds_shorter_than_an_interval_and_with_a_node_without_data()
    {
        await influx.WriteAsync(_database, CpuNode("cn01", 4, FirstSample) + GpuNode("gn01"), "ns");
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/partitions/gpu?cluster=gold", new { metrics = new[] { "load_one", "nv_util", "nv_fb_mem_used" } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var (_, cpuJob) = await FinishedJobAsync("cn01", 1, Start, Stop);
        // 8 s job on cn01, between samples 12:58:03.417 and 12:58:13.417: one sample inside (12:58:13.417).
        var (_, shortJob) = await FinishedJobAsync("cn01", 1, new DateTimeOffset(2025, 6, 2, 12, 58, 7, TimeSpan.Zero), new DateTimeOffset(2025, 6, 2, 12, 58, 15, TimeSpan.Zero));
        // gn02 never sent anything.
        var (_, gpuJob) = await FinishedJobAsync("gn01|gn02", 2, Start, Stop, partition: "gpu");

        // The 395 s job gets 10 s windows (395 / 200 points < the collector's 10 s), aligned to 12:51:06: each holds
        // one sample (…3.417). Samples in the job: 12:51:13.417 … 12:57:33.417 = 39; before 12:54:06 (…12:54:03.417)
        // 18 at 8 × 50 = 400, then 21 at 640. Mean (18·400 + 21·640) / 39 = 20640 / 39; robust max = rank
        // round(39 · 0.95) = 37 of the sorted windows = 640.
        var cpu = (await StatisticsAsync(cpuJob)).Statistics;
        cpu["cpu_user"].Mean!.Value.ShouldBe(20640.0 / 39, 1e-9);
        cpu["cpu_user"].Max.ShouldBe(640);
        cpu["cpu_user"].RobustMax.ShouldBe(640);
        cpu["load_one"].Mean.ShouldBe(4);
        cpu["flops_dp"].Mean.ShouldBe(8e9);
        cpu["mem_used"].Mean.ShouldBe(51_200_000_000);
        cpu["ib_recv"].Mean.ShouldBe(100_000);

        var brief = (await StatisticsAsync(shortJob)).Statistics;
        brief["cpu_user"].Mean.ShouldBe(640); // the one sample, 8 × 80
        brief["load_one"].Mean.ShouldBe(4);

        // GPU job: mean over gn01's 4 GPUs (1+2+3+4)/4 = 2.5, not diluted by gn02 (no data); memory 4 × 1000 MByte × 1,048,576.
        var gpuView = await StatisticsAsync(gpuJob);
        gpuView.Statistics["nv_util"].Mean.ShouldBe(2.5);
        gpuView.Statistics["nv_fb_mem_used"].Mean.ShouldBe(4_194_304_000);
        gpuView.Statistics.Keys.Order().ShouldBe(["load_one", "nv_fb_mem_used", "nv_util"]); // the partition's metrics only
        await using var session = _app.Store.QuerySession();
        var recorded = (await session.Events.FetchStreamAsync(gpuJob)).Select(e => e.Data).OfType<JobMetricStatisticsRecorded>().Single();
        recorded.Metrics["nv_util"].Nodes.Keys.ShouldBe(["gn01"]);
    }

    [Fact]
    public async Task Both_csv_exports_read_the_rows_of_the_view_through_the_shared_builder()
    {
        await influx.WriteAsync(_database, CpuNode("cn01", 4, FirstSample) + CpuNode("cn02", 6, FirstSample), "ns");
        var (_, id) = await FinishedJobAsync("cn01|cn02", 2, Start, Stop);
        async Task<string[]> Csv(string query)
        {
            var response = await _app.Admin().GetAsync($"/api/jobs/{id}/metrics.csv{query}");
            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
            return body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        // Raw, node view (sum): cpustat's node rows only; 39 samples per node in the job (12:51:13.417 … 12:57:33.417).
        var raw = await Csv("?metrics=cpu_user&raw=true");
        raw[0].ShouldBe("metric,unit,hostname,device,time,value");
        raw.Length.ShouldBe(1 + 2 * 39);
        raw.Skip(1).ShouldAllBe(l => l.Contains(",node,") && (l.EndsWith(",400") || l.EndsWith(",640")));
        raw.ShouldContain("cpu_user,%,cn01,node,2025-06-02T12:51:13.4170000+00:00,400");
        // Raw with the mean aggregation reads the hwthread rows: 2 nodes × 8 × 39; one node's devices: 8 × 39.
        (await Csv("?metrics=cpu_user&raw=true&aggregation=mean")).Length.ShouldBe(1 + 2 * 8 * 39);
        var threads = await Csv("?metrics=cpu_user&raw=true&node=cn01");
        threads.Length.ShouldBe(1 + 8 * 39);
        threads.Skip(1).ShouldAllBe(l => l.Contains(",cn01,hwthread "));
        // Raw values in the catalogue's unit: 50,000,000 kB → 51,200,000,000 B.
        (await Csv("?metrics=mem_used&raw=true&node=cn01")).Skip(1).ShouldAllBe(l => l.StartsWith("mem_used,B,cn01,node,") && l.EndsWith(",51200000000"));

        // The displayed series: 2 nodes × 7 windows of 60 s.
        var shown = await Csv("?metrics=cpu_user&interval=60");
        shown[0].ShouldBe("metric,unit,series,time,value");
        shown.Length.ShouldBe(1 + 2 * 7);
        shown.ShouldContain("cpu_user,%,cn01,2025-06-02T12:51:06.0000000+00:00,400");
        shown.ShouldContain("cpu_user,%,cn02,2025-06-02T12:57:06.0000000+00:00,640");
    }

    [Fact]
    public async Task The_builder_aligns_windows_to_a_start_with_milliseconds()
    {
        await influx.WriteAsync(_database, CpuNode("cn01", 4, FirstSample), "ns");
        var m = DefaultCatalogueSeeder.Metrics.Single(d => d.Name == "cpu_user");
        var from = new DateTimeOffset(2025, 6, 2, 12, 53, 6, 250, TimeSpan.Zero);
        var to = new DateTimeOffset(2025, 6, 2, 12, 55, 6, 250, TimeSpan.Zero);
        var body = await influx.QueryAsync(MetricQueries.PerNode(m, ["cn01"], from, to, 60, Aggregation.Mean), _database);
        var values = JsonDocument.Parse(body).RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values");
        // Windows 12:53:06.25 and 12:54:06.25 (and 12:55:06.25 holding no sample up to 12:55:06.25 … none: 12:55:13.417 is later).
        // First: samples 12:53:13.417 … 12:54:03.417 = 6 at 50. Second: 12:54:13.417 … 12:55:03.417 = 6 at 80.
        values.GetArrayLength().ShouldBe(2);
        values[0][0].GetString().ShouldBe("2025-06-02T12:53:06.25Z");
        values[0][1].GetDouble().ShouldBe(50);
        values[1][0].GetString().ShouldBe("2025-06-02T12:54:06.25Z");
        values[1][1].GetDouble().ShouldBe(80);
        // A window straddling the step: 12:53:36.25-12:54:36.25 holds 12:53:43, :53, 12:54:03 (50) and 12:54:13, :23, :33 (80) → mean 65.
        var straddle = await influx.QueryAsync(MetricQueries.PerNode(m, ["cn01"], from.AddSeconds(30), to, 60, Aggregation.Mean), _database);
        JsonDocument.Parse(straddle).RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values")[0][1].GetDouble().ShouldBe(65);
    }

    [Fact]
    public async Task Original_config_type_is_kept_as_the_scope_filter()
    {
        await influx.WriteAsync(_database, CpuNode("cn01", 4, FirstSample), "ns");
        var config = """
            {
              "DBHost": "http://127.0.0.1:1", "DBToken": "t", "DBOrg": "o", "DBBucket": "b", "JWTSecret": "a-secret-that-is-long-enough-for-hs256-signing",
              "JobStore": { "Type": "postgres", "PSQLHost": "db.invalid:5432", "PSQLUsername": "u", "PSQLPassword": "p", "PSQLDB": "d" },
              "SampleInterval": "10s",
              "Metrics": [
                { "GUID": "11111111-1111-1111-1111-111111111111", "Type": "hwthread", "Categories": ["CPU"], "Measurement": "cpu_user", "AggFn": "mean",
                  "AvailableAggFns": ["mean", "sum"], "Unit": "%", "DisplayName": "CPU user", "MaxPerNode": 100, "MaxPerType": 100,
                  "FilterFunc": "", "PostQueryOp": "", "SeparationKey": "hostname", "PThreadAggFn": "" },
                { "GUID": "22222222-2222-2222-2222-222222222222", "Type": "hwthread", "Categories": ["CPU"], "Measurement": "flops_dp", "AggFn": "sum",
                  "AvailableAggFns": ["sum", "max"], "Unit": "MFLOP/s", "DisplayName": "DP", "MaxPerNode": 4000, "MaxPerType": 50,
                  "FilterFunc": "", "PostQueryOp": "", "SeparationKey": "hostname", "PThreadAggFn": "" }
              ],
              "Partitions": { "legacy": { "MaxTime": 3600, "Metrics": ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"], "VirtualPartitions": {} } },
              "MetricCategories": ["CPU"], "RadarChartMetrics": []
            }
            """;
        var import = await _app.Admin().PostAsync("/api/admin/catalogue/import-original", new StringContent(config, Encoding.UTF8, "application/json"));
        import.StatusCode.ShouldBe(HttpStatusCode.OK, await import.Content.ReadAsStringAsync());
        var (_, id) = await FinishedJobAsync("cn01", 1, Start, Stop, partition: "legacy");

        var view = await MetricsAsync(id, "?interval=60");
        view.GetProperty("metrics").GetArrayLength().ShouldBe(2);
        // type == "hwthread" as the original filtered: mean over the 8 hwthread rows 50/80 (not 800/1280 % with the node row summed in).
        Series(Metric(view, "cpu_user"))["cn01"].ShouldBe([50, 50, 50, 80, 80, 80, 80]);
        // sum over the hwthread rows only: 8 × 1000 = 8000 MFLOP/s, served in the base unit: 8e9 FLOP/s.
        var flops = Metric(view, "flops_dp");
        Series(flops)["cn01"].ShouldAllBe(v => v == 8e9);
        flops.GetProperty("unit").GetString().ShouldBe("FLOP/s");
        // The original's MaxPerNode 4000 (MFLOP/s) and MaxPerType 50 scale with it.
        flops.GetProperty("peak").GetDouble().ShouldBe(4e9);
    }

    [Fact]
    public async Task Partitions_set_peaks_per_node_type_and_an_empty_metric_list_shows_no_metric()
    {
        await influx.WriteAsync(_database, CpuNode("cn01", 4, FirstSample) + GpuNode("gn01"), "ns");
        // GPU nodes with 4 × 94 GiB; the catalogue's example peak is 320 GiB per node and 80 GiB per GPU.
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/partitions/gpu?cluster=gold", new
        {
            metrics = new[] { "nv_fb_mem_used", "mem_used" },
            peaks = new Dictionary<string, object> { ["nv_fb_mem_used"] = new { perNode = 4 * 94.0 * 1024 * 1024 * 1024, perDevice = 94.0 * 1024 * 1024 * 1024 }, ["mem_used"] = new { perNode = 512.0 * 1024 * 1024 * 1024 } },
        })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/partitions/bare?cluster=gold", new { maxTime = 3600, metrics = Array.Empty<string>() })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var badPeak = await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/partitions/bad?cluster=gold", new { peaks = new Dictionary<string, object> { ["nope"] = new { perNode = -1 } } });
        badPeak.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = JsonDocument.Parse(await badPeak.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        errors.TryGetProperty("peaks", out _).ShouldBeTrue();

        var (_, gpuJob) = await FinishedJobAsync("gn01", 1, Start, Stop, partition: "gpu");
        var view = await MetricsAsync(gpuJob, "?interval=60");
        Metric(view, "mem_used").GetProperty("peak").GetDouble().ShouldBe(512.0 * 1024 * 1024 * 1024);
        Metric(view, "nv_fb_mem_used").GetProperty("peak").GetDouble().ShouldBe(4 * 94.0 * 1024 * 1024 * 1024);
        var oneNode = await MetricsAsync(gpuJob, "?interval=60&node=gn01");
        Metric(oneNode, "nv_fb_mem_used").GetProperty("peak").GetDouble().ShouldBe(94.0 * 1024 * 1024 * 1024);
        Series(Metric(oneNode, "nv_fb_mem_used")).Keys.ShouldBe(["accelerator 0", "accelerator 1", "accelerator 2", "accelerator 3"]);
        // The job-end statistics carry the partition's peak (the jobs list's footprint and the findings use it).
        (await StatisticsAsync(gpuJob)).Statistics["nv_fb_mem_used"].Peak.ShouldBe(4 * 94.0 * 1024 * 1024 * 1024);
        // Another partition keeps the catalogue's peak (256 GiB).
        var (_, cpuJob) = await FinishedJobAsync("cn01", 1, Start, Stop);
        Metric(await MetricsAsync(cpuJob, "?interval=60&metrics=mem_used"), "mem_used").GetProperty("peak").GetDouble().ShouldBe(256.0 * 1024 * 1024 * 1024);

        var (_, bareJob) = await FinishedJobAsync("cn01", 1, Start, Stop, partition: "bare");
        var bare = await MetricsAsync(bareJob, "");
        bare.GetProperty("metrics").GetArrayLength().ShouldBe(0);
        bare.GetProperty("metricSource").GetString().ShouldBe("partition bare");
    }

    [Fact]
    public async Task Admins_can_reset_the_catalogue_to_the_collector_defaults()
    {
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/metrics/mem_used", new { measurement = "mem_used", unit = "GB", scope = "node" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/metrics/site_metric", new { measurement = "site", unit = "", scope = "node" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var reset = await _app.Admin().PostAsync("/api/admin/catalogue/reset-defaults", null);
        reset.StatusCode.ShouldBe(HttpStatusCode.OK);
        JsonDocument.Parse(await reset.Content.ReadAsStringAsync()).RootElement.GetProperty("defined").EnumerateArray().Select(e => e.GetString()).ShouldBe(["mem_used"]);
        var catalogue = JsonDocument.Parse(await _app.Admin().GetStringAsync("/api/metrics/catalogue")).RootElement.GetProperty("metrics").EnumerateArray().ToList();
        var mem = catalogue.Single(m => m.GetProperty("name").GetString() == "mem_used");
        mem.GetProperty("unit").GetString().ShouldBe("B");
        mem.GetProperty("scale").GetDouble().ShouldBe(1024);
        mem.GetProperty("sourceUnit").GetString().ShouldBe("kB");
        catalogue.ShouldContain(m => m.GetProperty("name").GetString() == "site_metric"); // other metrics stay
    }

    [Fact]
    public async Task The_live_feed_pushes_the_view_the_page_asked_for()
    {
        // A running job that started 307 s ago (an arbitrary second); samples every 10 s at …3.417 until now.
        var now = DateTimeOffset.UtcNow;
        var start = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() - 307);
        var lp = new StringBuilder();
        for (var t = start.AddSeconds(-60).AddMilliseconds(3417); t < now; t = t.AddSeconds(10))
        {
            for (var c = 0; c < 8; c++) lp.Append(Line("cpu_user", "ln01", "hwthread", c, 50, t, ("unit", "Percent")));
            lp.Append(Line("cpu_user", "ln01", "node", null, 400, t, ("unit", "Percent")));
        }
        await influx.WriteAsync(_database, lp.ToString(), "ns");
        var job = new SlurmJob("gold", Unique.SlurmId(), NumNodes: 1, Nodes: "ln01", StartTime: start.ToUnixTimeSeconds());
        var id = await StartJobAsync(job);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        async Task<List<JsonElement>> Updates(string query, int count)
        {
            using var response = await _app.Admin().GetAsync($"/api/jobs/{id}/live{query}", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            var updates = new List<JsonElement>();
            while (updates.Count < count && await reader.ReadLineAsync(cts.Token) is { } line)
                if (line.StartsWith("data: ")) updates.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement);
            updates.Count.ShouldBe(count, "the stream ended early");
            return updates;
        }
        async Task<JsonElement> FirstUpdate(string query) => (await Updates(query, 1))[0];

        // One node's devices at 20 s: the 8 hwthreads (no "node" line), 50 % each, windows on the job's 20 s grid.
        var pushes = await Updates("?node=ln01&interval=20&metrics=cpu_user", 2);
        var devices = pushes[0];
        devices.GetProperty("interval").GetInt64().ShouldBe(20);
        var cpu = Metric(devices, "cpu_user");
        var series = Series(cpu);
        series.Keys.ShouldBe(Enumerable.Range(0, 8).Select(c => $"hwthread {c}").ToArray());
        series.Values.ShouldAllBe(v => v.Length > 0 && v.All(x => x == 50));
        Times(cpu).ShouldAllBe(t => (t - start.ToUnixTimeMilliseconds()) % 20_000 == 0 && t >= start.ToUnixTimeMilliseconds());
        devices.GetProperty("metrics").GetArrayLength().ShouldBe(1); // only the metric asked for
        // The next push (a collector interval later) repeats only the last windows, still on the job's grid:
        // it starts at the window holding "first push − 2 × 20 s", so at most 3 windows, all already or newly on the grid.
        var next = Metric(pushes[1], "cpu_user");
        var firstPushEnd = devices.GetProperty("to").GetDateTimeOffset();
        Times(next).ShouldAllBe(t => (t - start.ToUnixTimeMilliseconds()) % 20_000 == 0);
        Times(next)[0].ShouldBeGreaterThanOrEqualTo(firstPushEnd.AddSeconds(-60).ToUnixTimeMilliseconds());
        Times(next).Length.ShouldBeLessThanOrEqualTo(3);

        // All nodes with the mean across hwthreads: 50, not the node rows' 400.
        var mean = Series(Metric(await FirstUpdate("?aggregation=mean&interval=30&metrics=cpu_user"), "cpu_user"));
        mean.Keys.ShouldBe(["ln01"]);
        mean["ln01"].ShouldAllBe(v => v == 50);
        // The default (sum) reads the node rows: 400.
        Series(Metric(await FirstUpdate("?metrics=cpu_user"), "cpu_user"))["ln01"].ShouldAllBe(v => v == 400);

        foreach (var (query, field) in new[] { ("?interval=0", "interval"), ("?aggregation=median", "aggregation"), ("?node=elsewhere", "node") })
        {
            var bad = await _app.Admin().GetAsync($"/api/jobs/{id}/live{query}");
            bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest, query);
            JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(query);
        }
    }
}
