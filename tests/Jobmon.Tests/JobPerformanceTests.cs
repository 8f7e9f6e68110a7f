using System.Net;
using System.Net.Http.Json;
using System.Text;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Performance;
using Jobmon.Testing;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>
/// Energy, compare and roofline from job-end statistics computed out of collector-shaped data in the real InfluxDB
/// (likwid's cpu_power/flops_any/mem_bw with socket and node-total rows, nvidia's nv_power_usage per accelerator).
/// Expected values are worked out by hand in the comments.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class JobPerformanceTests(InfluxServer influx) : IAsyncLifetime
{
    private JobmonApp _app = null!;
    private string _database = "";

    // Samples every 10 s from 12:50:03; the jobs run 12:51:06 → 12:57:41 = 395 s.
    private static readonly DateTimeOffset FirstSample = new(2025, 6, 2, 12, 50, 3, TimeSpan.Zero);
    private static readonly DateTimeOffset Start = new(2025, 6, 2, 12, 51, 6, TimeSpan.Zero);
    private static readonly DateTimeOffset Stop = new(2025, 6, 2, 12, 57, 41, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        _database = await influx.CreateDatabaseAsync("perf");
        _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?>
        {
            ["JOBMON_INFLUXDB"] = influx.BaseUrl,
            ["JOBMON_INFLUXDB_BUCKET"] = _database,
        });
        (await _app.Admin().PutAsJsonAsync("/api/admin/catalogue/settings", new { collectorIntervalSeconds = 10 })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static string Line(string metric, string host, string type, int? typeId, double value, DateTimeOffset t)
    {
        var id = typeId is { } i ? $",type-id={i}" : "";
        return $"{metric},cluster=perf,hostname={host},type={type}{id} value={value.ToString(System.Globalization.CultureInfo.InvariantCulture)} {t.ToUnixTimeMilliseconds() * 1_000_000L}\n";
    }

    /// <summary>likwid rows (MFlops/s, MByte/s, W: socket rows and the node total) and, with GPUs, nvidia's per-accelerator power.</summary>
    private static string Node(string host, double flopsNode, double bwNode, double cpuWattsPerSocket, double[] gpuWatts)
    {
        var lp = new StringBuilder();
        for (var k = 0; k < 61; k++)
        {
            var t = FirstSample.AddSeconds(10 * k);
            for (var c = 0; c < 4; c++) lp.Append(Line("flops_any", host, "hwthread", c, flopsNode / 4, t));
            lp.Append(Line("flops_any", host, "node", null, flopsNode, t));
            for (var s = 0; s < 2; s++)
            {
                lp.Append(Line("mem_bw", host, "socket", s, bwNode / 2, t));
                lp.Append(Line("cpu_power", host, "socket", s, cpuWattsPerSocket, t));
            }
            lp.Append(Line("mem_bw", host, "node", null, bwNode, t));
            lp.Append(Line("cpu_power", host, "node", null, 2 * cpuWattsPerSocket, t));
            for (var g = 0; g < gpuWatts.Length; g++) lp.Append(Line("nv_power_usage", host, "accelerator", g, gpuWatts[g], t));
        }
        return lp.ToString();
    }

    private async Task<Guid> JobAsync(string user, string name, string account, string nodes, int count, bool stop = true)
    {
        var job = new SlurmJob("perf", Unique.SlurmId(), User: user, Name: name, Account: account, Partition: "cpu", NumNodes: count, Nodes: nodes,
            StartTime: Start.ToUnixTimeSeconds());
        var id = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>()).JobId;
        if (stop) (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster=perf", SlurmJob.StopJson(0, Stop.ToUnixTimeSeconds()))).EnsureSuccessStatusCode();
        return id;
    }

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
    public async Task Energy_compare_and_roofline_come_from_the_job_end_statistics_and_archive()
    {
        // pn01: 20,000 MFlops/s, 10,000 MByte/s, 2 sockets × 100 W, 2 GPUs × 200 W.
        // pn02:  5,000 MFlops/s, 20,000 MByte/s, 2 sockets × 150 W, no GPUs.
        await influx.WriteAsync(_database, Node("pn01", 20_000, 10_000, 100, [200, 200]) + Node("pn02", 5_000, 20_000, 150, []), "ns");
        var older = await JobAsync("pia", "lbm", "proj7", "pn01|pn02", 2);
        var otherName = await JobAsync("pia", "other", "proj7", "pn01|pn02", 2);
        var otherUser = await JobAsync("ray", "lbm", "proj7", "pn01|pn02", 2);
        var job = await JobAsync("pia", "lbm", "proj7", "pn01|pn02", 2);
        var view = await StatisticsAsync(job);
        await StatisticsAsync(older); await StatisticsAsync(otherName); await StatisticsAsync(otherUser);

        // Energy: cpu_power node rows 200 W (pn01) + 300 W (pn02) = 500 W over 395 s = 197,500 J = 0.0548611 kWh;
        // nv_power_usage: pn01's two GPUs summed, 400 W × 395 s = 158,000 J = 0.0438889 kWh; pn02 has none.
        // Total 355,500 J / 3,600,000 = 0.09875 kWh.
        view.Energy.ShouldNotBeNull();
        view.Energy.ByMetric["cpu_power"].ShouldBe(197_500.0 / 3_600_000, 1e-9);
        view.Energy.ByMetric["nv_power_usage"].ShouldBe(158_000.0 / 3_600_000, 1e-9);
        view.Energy.Kwh.ShouldBe(0.09875, 1e-9);

        // Compare by name: pia's other "lbm" run only (not "other", not ray's). Per node: FLOP rate (2e10 + 5e9) / 2
        // = 1.25e10 FLOP/s; memory bandwidth (1e10 + 2e10) / 2 = 1.5e10 B/s (MByte = 10^6 B, as likwid's).
        var pia = await LoginAsync("pia");
        var byName = await (await pia.GetAsync($"/api/jobs/{job}/compare")).ReadAs<JobComparison>();
        byName.By.ShouldBe("name"); byName.Key.ShouldBe("lbm");
        byName.Runs.Select(r => r.Id).ShouldBe([older]);
        byName.Job.FlopsPerNode!.Value.ShouldBe(1.25e10, 1e-3);
        byName.Job.MemoryBandwidthPerNode!.Value.ShouldBe(1.5e10, 1e-3);
        byName.Job.EnergyKwh!.Value.ShouldBe(0.09875, 1e-9);
        byName.Job.EnergyMetrics.ShouldBe(["cpu_power", "nv_power_usage"]);
        byName.Job.DurationSeconds.ShouldBe(395);
        byName.Runs[0].EnergyKwh!.Value.ShouldBe(0.09875, 1e-9);
        var byAccount = await (await pia.GetAsync($"/api/jobs/{job}/compare?by=account&n=5")).ReadAs<JobComparison>();
        byAccount.Runs.Select(r => r.Id).ShouldBe([older, otherName], ignoreOrder: true);
        (await (await pia.GetAsync($"/api/jobs/{job}/compare?by=account&n=1")).ReadAs<JobComparison>()).Runs.Count.ShouldBe(1);
        (await pia.GetAsync($"/api/jobs/{otherUser}/compare")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        foreach (var (query, field) in new[] { ("by=user", "by"), ("n=0", "n"), ("n=abc", "n"), ("x=1", "x") })
        {
            var response = await pia.GetAsync($"/api/jobs/{job}/compare?{query}");
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await response.Content.ReadAsStringAsync()).ShouldContain($"\"{field}\"");
        }

        // Roofline: per node and window, intensity = FLOP/s ÷ B/s: pn01 2e10 / 1e10 = 2 FLOP/B at 2e10 FLOP/s;
        // pn02 5e9 / 2e10 = 0.25 at 5e9. Roof: the default catalogue's per-node peaks, 4e12 FLOP/s and 3.5e11 B/s.
        var roof = await (await pia.GetAsync($"/api/jobs/{job}/roofline")).ReadAs<Roofline>();
        roof.Available.ShouldBeTrue(roof.Reason);
        roof.FlopsMetric.ShouldBe("flops_any"); roof.BandwidthMetric.ShouldBe("mem_bw");
        roof.PeakFlops.ShouldBe(4e12); roof.PeakBandwidth.ShouldBe(3.5e11);
        // 395 s at 10 s windows: 40 windows from 12:51:06, each with one sample; the last (12:57:36–41) has none.
        roof.Points.Count(p => p.Node == "pn01").ShouldBe(39);
        roof.Points.Where(p => p.Node == "pn01").ShouldAllBe(p => Math.Abs(p.Intensity - 2) < 1e-9 && Math.Abs(p.Flops - 2e10) < 1);
        roof.Points.Where(p => p.Node == "pn02").ShouldAllBe(p => Math.Abs(p.Intensity - 0.25) < 1e-9 && Math.Abs(p.Flops - 5e9) < 1);
        roof.Points.Min(p => p.Time).ShouldBe(Start);
    }

    [Fact]
    public async Task Without_the_metrics_the_roofline_says_what_is_missing_and_a_job_without_power_has_no_energy()
    {
        // qn01 reports only flops_any: no memory bandwidth, no power.
        var lp = new StringBuilder();
        for (var k = 0; k < 61; k++) lp.Append(Line("flops_any", "qn01", "node", null, 1000, FirstSample.AddSeconds(10 * k)));
        await influx.WriteAsync(_database, lp.ToString(), "ns");
        var job = await JobAsync("quin", "a", "p", "qn01", 1);
        var view = await StatisticsAsync(job);
        view.Energy.ShouldBeNull();
        var roof = await (await _app.Admin().GetAsync($"/api/jobs/{job}/roofline")).ReadAs<Roofline>();
        roof.Available.ShouldBeFalse();
        roof.Reason.ShouldBe("no samples of both flops_any and mem_bw for this job.");
        roof.Points.ShouldBeEmpty();

        var running = await JobAsync("quin", "a", "p", "qn01", 1, stop: false);
        var early = await (await _app.Admin().GetAsync($"/api/jobs/{running}/roofline")).ReadAs<Roofline>();
        early.Available.ShouldBeFalse();
        early.Reason!.ShouldStartWith("no metric archive yet");
        var compare = await (await _app.Admin().GetAsync($"/api/jobs/{running}/compare")).ReadAs<JobComparison>();
        compare.Runs.Select(r => r.Id).ShouldBe([job]);
        compare.Runs[0].EnergyKwh.ShouldBeNull();
        compare.Runs[0].FlopsPerNode.ShouldBe(1e9);
    }

    private async Task<HttpClient> LoginAsync(string name)
    {
        (await _app.Admin().PostAsJsonAsync("/api/admin/users", new { username = name, password = $"{name}-password-1", roles = new[] { "user" } })).EnsureSuccessStatusCode();
        var client = _app.Client();
        var response = await client.PostAsJsonAsync("/api/login", new { username = name, password = $"{name}-password-1" });
        response.EnsureSuccessStatusCode();
        client.DefaultRequestHeaders.Add("Cookie", response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("Authorization=")).Split(';')[0]);
        return client;
    }
}
