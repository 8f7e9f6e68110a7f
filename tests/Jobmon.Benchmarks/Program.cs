// Jobmon benchmarks (programs, not tests). Usage:
//   dotnet run -c Release --project tests/Jobmon.Benchmarks -- [ingest] [list] [metrics] [--jobs 1000000] [--seconds 10]
//   ... -- sustained [--reuse <db>] [--jobs 1000000] [--minutes 10] [--ingest 100] [--list-rate 10]
// Starts its own PostgreSQL (durable defaults: fsync and synchronous_commit on) and a Jobmon API process on loopback.
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using JasperFx.Events;
using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Tests.Infrastructure;
using Marten;
using Npgsql;

var modes = args.Where(a => !a.StartsWith("--") && !int.TryParse(a, out _)).ToHashSet();
if (modes.Count == 0) modes = ["ingest", "list"];
int Arg(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).DefaultIfEmpty(fallback).First();
var seconds = Arg("--seconds", 10);
var jobCount = Arg("--jobs", 1_000_000);

Environment.SetEnvironmentVariable("JOBMON_TEST_PG_DURABLE", "1");
var adminCs = await PostgresServer.ConnectionStringAsync();
Console.WriteLine($"PostgreSQL: {new NpgsqlConnectionStringBuilder(adminCs).Host}:{new NpgsqlConnectionStringBuilder(adminCs).Port} (durable settings)");

if (modes.Contains("ingest")) await IngestBenchmark();
if (modes.Contains("list")) await ListAndRebuildBenchmark();
if (modes.Contains("metrics")) await MetricsBenchmark();
if (modes.Contains("sustained")) await SustainedBenchmark();
return 0;

// A 64-node, 24-hour job with 10 metrics, data shaped as cc-metric-collector writes it (one measurement per metric;
// tags cluster, hostname, type, type-id; field value; 30 s): the old paths (the statements the API sent before the
// archive, sent to InfluxDB directly) next to the new ones, in one run. Numbers, not assertions.
async Task MetricsBenchmark()
{
    // The tests' InfluxDB fixture: JOBMON_TEST_INFLUXDB if set, else a private influxd 1.x in a temporary folder.
    var influx = new Jobmon.Testing.InfluxServer();
    await influx.InitializeAsync();
    var influxUrl = influx.BaseUrl;
    var bucket = influx.Database;
    using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
    var report = new List<string>();
    try
    {
        // The job ran for the last 24 h: measured first while running, then stopped and measured finished.
        var stop = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30 * 30);
        var start = stop.AddHours(-24);
        var nodes = Enumerable.Range(1, 64).Select(n => $"b{n:000}").ToArray();
        var metrics = Jobmon.Metrics.DefaultCatalogueSeeder.Metrics.Where(m => m.Name != "net_bytes_in").Take(10).ToArray();
        var sw = Stopwatch.StartNew();
        long points = 0;
        foreach (var node in nodes)
        {
            var lines = new StringBuilder();
            for (var t = start; t <= stop; t = t.AddSeconds(30))
            {
                var ts = t.ToUnixTimeSeconds();
                foreach (var m in metrics)
                {
                    // As the collector writes them: device rows of the metric's scope, plus cpustat's/likwid's node total.
                    var devices = m.Scope switch { Jobmon.Metrics.MetricScope.Socket => 2, Jobmon.Metrics.MetricScope.Accelerator => 4, Jobmon.Metrics.MetricScope.Hwthread => 4, _ => 1 };
                    var total = 0.0;
                    for (var d = 0; d < devices; d++)
                    {
                        // b017 runs hot: the band view should name it.
                        var value = m.IsCounter ? ts * 1000.0 : (node == "b017" ? 90 : 50) + 10 * Math.Sin(ts / 600.0 + d);
                        total += value;
                        lines.Append(m.Measurement).Append(",cluster=bench,hostname=").Append(node).Append(",type=").Append(Jobmon.Metrics.MetricQueries.TypeTag(m.Scope));
                        if (m.Scope != Jobmon.Metrics.MetricScope.Node) lines.Append(",type-id=").Append(d);
                        lines.Append(" value=").Append(value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(' ').Append(ts).Append('\n');
                        points++;
                    }
                    if (m.NodeRows is not null)
                    {
                        lines.Append(m.Measurement).Append(",cluster=bench,hostname=").Append(node).Append(",type=node value=")
                            .Append(total.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(' ').Append(ts).Append('\n');
                        points++;
                    }
                }
            }
            (await http.PostAsync($"{influxUrl}/write?db={bucket}&precision=s", new StringContent(lines.ToString()))).EnsureSuccessStatusCode();
        }
        Console.WriteLine($"\nWrote {points:N0} points for 64 nodes x 24 h x {metrics.Length} metrics in {sw.Elapsed.TotalSeconds:F0} s");

        var cs = await PostgresServer.CreateDatabaseAsync("bench_metrics");
        Environment.SetEnvironmentVariable("JOBMON_INFLUXDB", influxUrl);
        Environment.SetEnvironmentVariable("JOBMON_INFLUXDB_BUCKET", bucket);
        // Running jobs' statistics and snapshot (every 10 min in production): the first round comes soon after the start here.
        Environment.SetEnvironmentVariable("Jobmon__JobMetrics__RunningStatisticsInterval", "00:00:20");
        var (api, url) = await StartApiAsync(cs);
        try
        {
            using var ingest = Client(url, "bench-ingest-token-0123456789");
            using var admin = Client(url, "bench-admin-token-0123456789");
            (await admin.PutAsync("/api/admin/catalogue/settings", new StringContent("""{"collectorIntervalSeconds":30}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            var body = $$"""{"Id":1,"userName":"u","clusterId":"bench","partition":"p","numNodes":64,"numTasks":64,"tasksPerNode":1,"GPUsPerNode":4,"startTime":{{start.ToUnixTimeSeconds()}},"nodeList":"{{string.Join('|', nodes)}}","jobName":"big","account":"a","groupName":"g"}""";
            var started = await (await ingest.PutAsync("/api/job_start", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"))).Content.ReadAsStringAsync();
            var jobId = System.Text.Json.JsonDocument.Parse(started).RootElement.GetProperty("jobId").GetGuid();
            var metricNames = string.Join(',', metrics.Select(m => m.Name));
            var interval = Jobmon.Influx.SampleInterval.ChooseSeconds(stop - start, 30);

            async Task<double> Bare(string statements)
            {
                var t = Stopwatch.GetTimestamp();
                var bare = await http.PostAsync($"{influxUrl}/query?db={bucket}&epoch=ms", new FormUrlEncodedContent(new Dictionary<string, string> { ["q"] = statements }));
                await bare.Content.ReadAsStringAsync();
                bare.EnsureSuccessStatusCode();
                return Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
            async Task<(double Ms, string Text, int Status)> Api(string query)
            {
                var t = Stopwatch.GetTimestamp();
                var response = await admin.GetAsync($"/api/jobs/{jobId}/metrics?metrics={metricNames}{query}");
                var text = await response.Content.ReadAsStringAsync();
                return (Stopwatch.GetElapsedTime(t).TotalMilliseconds, text, (int)response.StatusCode);
            }
            // The statements the job page's first request sent before (per node + quantile bands, one request).
            var oldView = string.Join(";\n", metrics.SelectMany(m => new[]
            {
                Jobmon.Metrics.MetricQueries.PerNode(m, nodes, start, stop, interval, m.DefaultAggregation),
                Jobmon.Metrics.MetricQueries.Quantiles(m, nodes, start, stop, interval, m.DefaultAggregation, [0.25, 0.5, 0.75]),
            }));

            async Task<DateTimeOffset?> StatisticsUpdatedAt()
            {
                var detail = System.Text.Json.JsonDocument.Parse(await admin.GetStringAsync($"/api/jobs/{jobId}")).RootElement;
                return detail.TryGetProperty("statisticsUpdatedAt", out var at) && at.ValueKind == System.Text.Json.JsonValueKind.String ? at.GetDateTimeOffset() : null;
            }
            // The periodic refresh of running jobs: its first (full) scan, then incremental rounds.
            var refresh = Stopwatch.StartNew();
            while (await StatisticsUpdatedAt() is null && refresh.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(500);
            report.Add($"Running job statistics + snapshot, first round (full scan): done {refresh.Elapsed.TotalSeconds:F1} s after the job start");

            // 1. Running job, first answer: band (new) vs per-node lines + InfluxDB quantiles (old).
            var runningOld = new List<double>(); var runningNew = new List<double>(); var runningPerNode = new List<double>();
            string bandText = "", perNodeText = "";
            for (var i = 0; i < 4; i++)
            {
                runningOld.Add(await Bare(oldView));
                var (ms, text, status) = await Api("");
                if (status != 200) { Console.WriteLine($"running band view: HTTP {status}: {text[..Math.Min(300, text.Length)]}"); continue; }
                runningNew.Add(ms); bandText = text;
                (ms, text, status) = await Api("&perNode=true");
                runningPerNode.Add(ms); perNodeText = text;
            }
            runningOld.Sort(); runningNew.Sort(); runningPerNode.Sort();
            var bandRoot = System.Text.Json.JsonDocument.Parse(bandText).RootElement;
            var outliers = bandRoot.GetProperty("metrics")[0].GetProperty("band").GetProperty("outliers")
                .EnumerateArray().Select(o => o.GetProperty("node").GetString()).ToArray();
            report.Add($"Running job, first answer:      old (InfluxDB per node + quantiles) p50 {P(runningOld, 0.5):F0} ms | new band view p50 {P(runningNew, 0.5):F0} ms, max {runningNew[^1]:F0} ms, {bandText.Length / 1024} KiB, source {bandRoot.GetProperty("source").GetString()}, outliers of {metrics[0].Name}: {string.Join(' ', outliers)} | ?perNode=true p50 {P(runningPerNode, 0.5):F0} ms, {perNodeText.Length / 1024} KiB");

            // 2. Live pushes (the first push after connecting; later ones are smaller still).
            async Task<int> FirstPush(string query)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                using var response = await admin.GetAsync($"/api/jobs/{jobId}/live{query}", HttpCompletionOption.ResponseHeadersRead, cts.Token);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
                while (await reader.ReadLineAsync(cts.Token) is { } line)
                    if (line.StartsWith("data: ")) return Encoding.UTF8.GetByteCount(line) + 2;
                return -1;
            }
            report.Add($"Live push (64 nodes, {metrics.Length} metrics): old per-node lines {await FirstPush("?perNode=true") / 1024.0:F1} KiB | new band {await FirstPush("") / 1024.0:F1} KiB");

            // 3. Job end: InfluxDB time of the old processing (view + quantiles, then statistics) vs the new (one scan per metric).
            // The nested statistics statement the old job end sent (its builder is gone): aggregates over the per-node series.
            var oldStatistics = string.Join(";\n", metrics.Select(m =>
                "SELECT mean(\"value\") AS \"mean\", min(\"value\") AS \"min\", max(\"value\") AS \"max\", percentile(\"value\", 95) AS \"p95\", count(\"value\") AS \"samples\" " +
                $"FROM ({Jobmon.Metrics.MetricQueries.PerNode(m, nodes, start, stop, interval, m.DefaultAggregation)}) WHERE {Jobmon.Influx.InfluxQl.TimeRange(start, stop)} GROUP BY \"hostname\""));
            var oldEnd = await Bare(oldView) + await Bare(oldStatistics);
            var (_, fine) = Jobmon.Metrics.ArchivePlan.Levels(stop - start, 30);
            var newEnd = 0.0;
            foreach (var (_, perNode, perDevice) in Jobmon.Metrics.ArchivePlan.Statements(metrics, nodes, start, stop, interval, fine, new Jobmon.Metrics.JobMetricsSettings().ArchiveDeviceScopes))
                newEnd += await Bare(perDevice is null ? perNode : perNode + ";\n" + perDevice);
            // The epilog reports the end as it happens (after the last running round), the data ended minutes before.
            var stopped = Stopwatch.StartNew();
            (await ingest.PatchAsync("/api/job_stop/1?cluster=bench", new StringContent($$"""{"exitCode":0,"stopTime":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}""", Encoding.UTF8, "application/x-www-form-urlencoded"))).EnsureSuccessStatusCode();
            var stoppedAt = DateTimeOffset.UtcNow;
            while (stopped.Elapsed < TimeSpan.FromMinutes(5))
            {
                var detail = System.Text.Json.JsonDocument.Parse(await admin.GetStringAsync($"/api/jobs/{jobId}")).RootElement;
                if (detail.GetProperty("state").GetString() != "running" && await StatisticsUpdatedAt() > stoppedAt) break;
                await Task.Delay(250);
            }
            var archiveSize = await ScalarAsync(cs, "select length(data->>'compressed') * 3 / 4 from jobmon.mt_doc_jobmetricarchive limit 1");
            report.Add($"Job-end processing, InfluxDB time: old {oldEnd / 1000:F1} s | new without a running snapshot (one scan per metric at {fine} s) {newEnd / 1000:F1} s | " +
                       $"this job's actual end, extending its running snapshot, stop to statistics incl. PostgreSQL: {stopped.Elapsed.TotalSeconds:F1} s; archive {archiveSize / 1024} KiB");

            // 4. Finished job: the API p95 from the archive vs the old path (its statements sent directly) and the API at
            // an interval the archive lacks (300 s is off its 120 s grid: InfluxDB through the API).
            var finished = new List<double>(); var old = new List<double>(); var uncovered = new List<double>();
            string finishedText = "";
            for (var i = 0; i < 22; i++)
            {
                var (ms, text, status) = await Api("");
                if (status != 200) Console.WriteLine($"finished view: HTTP {status}");
                if (i >= 2) finished.Add(ms);
                finishedText = text;
            }
            for (var i = 0; i < 3; i++) { old.Add(await Bare(oldView)); uncovered.Add((await Api("&interval=300")).Ms); }
            finished.Sort(); old.Sort(); uncovered.Sort();
            var source = System.Text.Json.JsonDocument.Parse(finishedText).RootElement.GetProperty("source").GetString();
            report.Add($"Finished job metrics API:       old (InfluxDB statements alone) p50 {P(old, 0.5):F0} ms | new p50 {P(finished, 0.5):F0} ms, p95 {P(finished, 0.95):F0} ms (source {source}, {finishedText.Length / 1024} KiB) | interval off the archive (InfluxDB via API) p50 {P(uncovered, 0.5):F0} ms");
        }
        finally { api.Kill(true); }
        Console.WriteLine("\nMetrics, 64 nodes x 24 h x 10 metrics (goals: finished p95 <= 300 ms, running first answer <= 2 s, live push <= 50 KB, job end <= 10 s InfluxDB)");
        report.ForEach(Console.WriteLine);
    }
    finally
    {
        await influx.DisposeAsync();
    }
}

async Task<long> ScalarAsync(string cs, string sql)
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand(sql, conn);
    return Convert.ToInt64(await cmd.ExecuteScalarAsync() ?? 0L);
}

async Task<(Process Api, string Url)> StartApiAsync(string connectionString)
{
    var port = PostgresServer.FreePort();
    var url = $"http://127.0.0.1:{port}";
    var psi = new ProcessStartInfo("dotnet", $"{Path.Combine(AppContext.BaseDirectory, "Jobmon.Api.dll")} --urls {url}")
    {
        RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory,
    };
    psi.Environment["JOBMON_POSTGRES"] = connectionString + ";Maximum Pool Size=100" + Environment.GetEnvironmentVariable("BENCH_CS_EXTRA");
    psi.Environment["JOBMON_INGEST_TOKEN"] = "bench-ingest-token-0123456789";
    psi.Environment["JOBMON_ADMIN_TOKEN"] = "bench-admin-token-0123456789";
    psi.Environment["Logging__LogLevel__Default"] = "Warning";
    psi.Environment["Jobmon__SweeperEnabled"] = "false";
    var api = Process.Start(psi)!;
    api.OutputDataReceived += (_, _) => { };
    api.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("api: " + e.Data); };
    api.BeginOutputReadLine(); api.BeginErrorReadLine();
    using var http = new HttpClient();
    for (var i = 0; i < 300; i++)
    {
        try { if ((await http.GetAsync(url + "/api/ping")).IsSuccessStatusCode) return (api, url); } catch { }
        await Task.Delay(200);
    }
    throw new InvalidOperationException("the API did not start");
}

HttpClient Client(string url, string token)
{
    var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
    var c = new HttpClient(handler) { BaseAddress = new Uri(url) };
    c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    return c;
}

async Task IngestBenchmark()
{
    var cs = await PostgresServer.CreateDatabaseAsync("bench_ingest");
    var (api, url) = await StartApiAsync(cs);
    try
    {
        using var client = Client(url, "bench-ingest-token-0123456789");
        long nextId = 1;
        var rows = new List<string>();
        var only = Arg("--clients", 0);
        // A long-running server is measured, not its start: under load the JIT keeps recompiling hot methods (tiered
        // compilation, PGO) for about 20 s after start, taking a third of a core from the API meanwhile.
        var warmup = Arg("--warmup", 20);
        foreach (var clients in only > 0 ? [only] : new[] { 1, 8, 32 })
        {
            // Warm-up, then measure.
            await RunPairs(client, clients, TimeSpan.FromSeconds(warmup), () => Interlocked.Increment(ref nextId));
            warmup = Math.Min(warmup, 3);
            var (pairs, elapsed, latencies) = await RunPairs(client, clients, TimeSpan.FromSeconds(seconds), () => Interlocked.Increment(ref nextId));
            var eventsPerSecond = pairs * 2 / elapsed.TotalSeconds;
            var raw = await PgbenchInsertRate(cs, clients, seconds);
            latencies.Sort();
            rows.Add($"{clients,8} | {pairs / elapsed.TotalSeconds,14:F0} | {eventsPerSecond,14:F0} | {P(latencies, 0.5),8:F1} | {P(latencies, 0.95),8:F1} | {raw,14:F0} | {eventsPerSecond / raw * 100,6:F1}%");
        }
        Console.WriteLine();
        Console.WriteLine("Ingestion through the HTTP API (PUT job_start + PATCH job_stop) vs pgbench single-row INSERT, same server");
        Console.WriteLine(" clients |     pairs/s    | requests/s(=events/s) | p50 ms | p95 ms | raw inserts/s | ratio");
        rows.ForEach(Console.WriteLine);
    }
    finally { api.Kill(true); }
}

async Task<(long Pairs, TimeSpan Elapsed, List<double> Latencies)> RunPairs(HttpClient client, int clients, TimeSpan duration, Func<long> nextId)
{
    long pairs = 0;
    var latencies = new List<double>();
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async w =>
    {
        var local = new List<double>();
        while (sw.Elapsed < duration)
        {
            var id = nextId();
            var start = $$"""{"Id":{{id}},"userName":"u{{id % 500}}","clusterId":"bench","partition":"cpu","numNodes":2,"numTasks":8,"tasksPerNode":4,"GPUsPerNode":0,"startTime":{{1_760_000_000 + id}},"nodeList":"n{{id % 100}}|n{{id % 100 + 1}}","jobName":"job{{id}}","account":"a{{id % 20}}","groupName":"g","isRunning":true}""";
            var t = Stopwatch.GetTimestamp();
            (await client.PutAsync("/api/job_start", new StringContent(start, Encoding.UTF8, "application/x-www-form-urlencoded"))).EnsureSuccessStatusCode();
            local.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            t = Stopwatch.GetTimestamp();
            (await client.PatchAsync($"/api/job_stop/{id}?cluster=bench", new StringContent($$"""{"exitCode":0,"stopTime":{{1_760_000_600 + id}}}""", Encoding.UTF8, "application/x-www-form-urlencoded"))).EnsureSuccessStatusCode();
            local.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            Interlocked.Increment(ref pairs);
        }
        lock (latencies) latencies.AddRange(local);
    }));
    return (pairs, sw.Elapsed, latencies);
}

static double P(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

async Task<double> PgbenchInsertRate(string cs, int clients, int secs)
{
    var b = new NpgsqlConnectionStringBuilder(cs);
    await using (var conn = new NpgsqlConnection(cs))
    {
        await conn.OpenAsync();
        await new NpgsqlCommand("CREATE TABLE IF NOT EXISTS raw_insert (id bigserial primary key, payload jsonb not null, at timestamptz not null default now())", conn).ExecuteNonQueryAsync();
    }
    var script = Path.GetTempFileName();
    await File.WriteAllTextAsync(script, "INSERT INTO raw_insert (payload) VALUES ('{\"id\": 1, \"user\": \"u\"}');\n");
    var psi = new ProcessStartInfo("pgbench", $"-n -h {b.Host} -p {b.Port} -U {b.Username} -c {clients} -j {Math.Min(clients, 4)} -T {secs} -f {script} {b.Database}")
        { RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = Process.Start(psi)!;
    var output = await p.StandardOutput.ReadToEndAsync();
    await p.WaitForExitAsync();
    File.Delete(script);
    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("tps = ")) ?? throw new InvalidOperationException("pgbench: " + output + await p.StandardError.ReadToEndAsync());
    return double.Parse(line.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
}

async Task ListAndRebuildBenchmark()
{
    // --reuse <database>: skip seeding and rebuilding, measure queries on an existing seeded database.
    var reuse = args.SkipWhile(a => a != "--reuse").Skip(1).FirstOrDefault();
    var cs = reuse is null ? await PostgresServer.CreateDatabaseAsync("bench_list")
        : new NpgsqlConnectionStringBuilder(adminCs) { Database = reuse }.ConnectionString;
    Console.WriteLine($"Database: {new NpgsqlConnectionStringBuilder(cs).Database}");
    var settings = new JobmonSettings { PostgresConnectionString = cs };
    var store = DocumentStore.For(opts => MartenSetup.Configure(opts, settings));
    await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    if (reuse is null) await SeedAndRebuild(store, cs);
    await MeasureList(cs);
}

async Task SeedAndRebuild(IDocumentStore store, string cs)
{

    // Seed: bulk-append start+end events for N jobs (COPY, no inline projection), then build the job view by rebuilding it.
    var sw = Stopwatch.StartNew();
    var clusters = new[] { "horeka", "haicore", "juwels", "levante" };
    var partitions = new[] { "cpuonly", "accelerated", "large", "dev" };
    var t0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    const int batch = 20_000;
    for (var offset = 0; offset < jobCount; offset += batch)
    {
        var actions = new List<StreamAction>(batch);
        for (var i = offset; i < Math.Min(jobCount, offset + batch); i++)
        {
            var id = Guid.CreateVersion7();
            var start = t0.AddSeconds(i * 30L);
            var nodes = Enumerable.Range(0, 1 + i % 8).Select(n => $"n{(i + n) % 5000:0000}").ToArray();
            var started = new JobStarted(id, clusters[i % 4], 100_000 + i / 4, $"user{i % 2000}", 1000 + i % 2000, $"group{i % 50}", 100 + i % 50,
                $"acct{i % 300}", $"job-{i}", partitions[(i / 4) % 4], nodes.Length, nodes.Length * 8, 8, i % 3 == 0 ? 4 : 0, nodes, start, null);
            var exit = i % 10 == 0 ? 256 : i % 37 == 0 ? 9 : 0;
            var ended = new JobEnded(id, started.Cluster, started.SlurmId, started.User, started.Partition, nodes.Length, nodes.Length * started.GpusPerNode,
                start, start.AddSeconds(60 + i % 86400), exit, ExitStatus.StateOf(exit));
            var action = StreamAction.Start((IEventRegistry)store.Options.Events, id, [started, ended]);
            action.AggregateType = typeof(JobView);
            actions.Add(action);
        }
        await store.BulkInsertEventsAsync(actions, batchSize: 5000);
    }
    var seeded = sw.Elapsed;
    Console.WriteLine($"\nSeeded {jobCount:N0} jobs ({2L * jobCount:N0} events) by bulk append in {seeded.TotalSeconds:F1} s ({2.0 * jobCount / seeded.TotalSeconds:F0} events/s)");

    if (args.Contains("--skip-rebuild")) return;
    // A production rebuild reads events that autovacuum processed long ago; right after a bulk load the first reader
    // would also set the hint bits of every row and race autovacuum. Settle the store first (timed on its own).
    sw.Restart();
    await using (var conn = new NpgsqlConnection(cs))
    {
        await conn.OpenAsync();
        await new NpgsqlCommand("VACUUM (ANALYZE) jobmon.mt_events, jobmon.mt_streams", conn) { CommandTimeout = 0 }.ExecuteNonQueryAsync();
    }
    Console.WriteLine($"Vacuumed the seeded event store in {sw.Elapsed.TotalSeconds:F1} s (not part of the rebuild)");
    // Full rebuild of the job view (the inline projection): ours by default, Marten's daemon with --marten-rebuild.
    sw.Restart();
    if (args.Contains("--marten-rebuild"))
    {
        // Marten's own rebuild through the async daemon, for comparison.
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync("JobView", TimeSpan.FromHours(2), CancellationToken.None);
    }
    else
        await new Jobmon.Jobs.Rebuild.JobViewRebuild(store, Microsoft.Extensions.Logging.Abstractions.NullLogger<Jobmon.Jobs.Rebuild.JobViewRebuild>.Instance)
            .RunAsync(null, CancellationToken.None);
    var rebuild = sw.Elapsed;
    Console.WriteLine($"Rebuilt JobView from {2L * jobCount:N0} events in {rebuild.TotalSeconds:F1} s: {2.0 * jobCount / rebuild.TotalSeconds:F0} events/s");
    await using (var conn = new NpgsqlConnection(cs))
    {
        await conn.OpenAsync();
        await new NpgsqlCommand("VACUUM ANALYZE jobmon.mt_doc_jobview", conn).ExecuteNonQueryAsync();
        // The seeded jobs are history: the async shards (the composite summaries shard and the positions of its three
        // parts, job-end processing) start after them, so the list is measured on a settled system rather than during
        // a catch-up of a million job ends.
        await new NpgsqlCommand("""
            insert into jobmon.mt_event_progression (name, last_seq_id, last_updated)
            select shard, (select max(seq_id) from jobmon.mt_events), now()
            from unnest(array['Summaries:All', 'UserSummary:All', 'PartitionSummary:All', 'GroupSummary:All', 'JobEndMetrics:All', 'Usage:All']) as shard
            on conflict (name) do update set last_seq_id = excluded.last_seq_id
            """, conn).ExecuteNonQueryAsync();
    }

}

async Task MeasureList(string cs)
{
    var (api, url) = await StartApiAsync(cs);
    try
    {
        using var client = Client(url, "bench-admin-token-0123456789");
        // The async summaries catch up on the seeded events first: the list is measured on a settled system.
        var catchUp = Stopwatch.StartNew();
        while (catchUp.Elapsed < TimeSpan.FromMinutes(20))
        {
            var overview = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/admin/projections")).RootElement;
            var behind = overview.GetProperty("projections").EnumerateArray().SelectMany(p => p.GetProperty("shards").EnumerateArray())
                .Select(sh => sh.GetProperty("behind").GetInt64()).DefaultIfEmpty(0).Max();
            if (behind == 0) break;
            await Task.Delay(1000);
        }
        Console.WriteLine($"Async projections caught up in {catchUp.Elapsed.TotalSeconds:F0} s");
        var kinds = ListQueryKinds();
        const int perKind = 40;
        var ingestRate = Arg("--ingest", 0);
        using var ingestCts = new CancellationTokenSource();
        var ingestion = ingestRate > 0 ? Task.Run(() => BackgroundIngestAsync(url, ingestRate, ingestCts.Token)) : Task.FromResult((0L, 0L, new List<double>()));
        foreach (var (_, u) in kinds) (await client.GetAsync(u(0))).EnsureSuccessStatusCode(); // warm-up
        var byKind = kinds.Select(_ => new List<double>()).ToArray();
        for (var i = 1; i <= perKind; i++)
            for (var k = 0; k < kinds.Length; k++)
            {
                var q = kinds[k].Url(i);
                var t = Stopwatch.GetTimestamp();
                var response = await client.GetAsync(q);
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{q}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                byKind[k].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        ingestCts.Cancel();
        var (pairs, errors, ingestLatencies) = await ingestion;
        Console.WriteLine($"\nJob list with {jobCount:N0} jobs{(ingestRate > 0 ? $", while {ingestRate} start+stop pairs/s arrive" : "")}: {perKind} requests per kind, through HTTP");
        Console.WriteLine($"| query kind | p50 ms | p95 ms | max ms |\n|---|---|---|---|");
        for (var k = 0; k < kinds.Length; k++)
        {
            var l = byKind[k].Order().ToList();
            Console.WriteLine($"| {kinds[k].Name} | {P(l, 0.5):F1} | {P(l, 0.95):F1} | {l[^1]:F1} |");
        }
        var all = byKind.Where((_, k) => kinds[k].Url(0).StartsWith("/api/jobs")).SelectMany(l => l).Order().ToList();
        Console.WriteLine($"All job-list kinds together: p50 {P(all, 0.5):F1} ms, p95 {P(all, 0.95):F1} ms, max {all[^1]:F1} ms");
        if (ingestRate > 0)
        {
            ingestLatencies.Sort();
            Console.WriteLine($"Ingestion meanwhile: {pairs} pairs, {errors} errors, p50 {P(ingestLatencies, 0.5):F1} ms, p95 {P(ingestLatencies, 0.95):F1} ms");
        }
    }
    finally { api.Kill(true); }
}

// Start+stop pairs at a fixed rate through the HTTP API, as SLURM's prolog/epilog send them (for list-under-ingestion).
async Task<(long Pairs, long Errors, List<double> Latencies)> BackgroundIngestAsync(string url, int pairsPerSecond, CancellationToken ct)
{
    using var ingest = Client(url, "bench-ingest-token-0123456789");
    var latencies = new List<double>();
    long pairs = 0, errors = 0;
    var next = Stopwatch.GetTimestamp();
    var inFlight = new List<Task>();
    var slurmBase = 900_000_000 + Environment.ProcessId % 1000 * 100_000;
    while (!ct.IsCancellationRequested)
    {
        next += Stopwatch.Frequency / pairsPerSecond;
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
        if (wait > TimeSpan.Zero) { try { await Task.Delay(wait, ct); } catch (OperationCanceledException) { break; } }
        var id = slurmBase + pairs++;
        inFlight.Add(Task.Run(async () =>
        {
            var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120;
            // The same body shape as the ingestion benchmark (the original's SLURM script: form-encoded JSON).
            var body = $$"""{"Id":{{id}},"userName":"user{{id % 2000}}","clusterId":"horeka","partition":"cpuonly","numNodes":1,"numTasks":8,"tasksPerNode":8,"GPUsPerNode":0,"startTime":{{start}},"nodeList":"n{{id % 5000:0000}}","jobName":"bg-{{id}}","account":"acct{{id % 300}}","groupName":"g","isRunning":true}""";
            var t = Stopwatch.GetTimestamp();
            try
            {
                var r1 = await ingest.PutAsync("/api/job_start", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));
                var r2 = await ingest.PatchAsync($"/api/job_stop/{id}?cluster=horeka", new StringContent($$"""{"exitCode":0,"stopTime":{{start + 60}}}""", Encoding.UTF8, "application/x-www-form-urlencoded"));
                if (!r1.IsSuccessStatusCode || !r2.IsSuccessStatusCode) Interlocked.Increment(ref errors);
            }
            catch { Interlocked.Increment(ref errors); }
            lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds / 2);
        }));
        inFlight.RemoveAll(task => task.IsCompleted);
    }
    await Task.WhenAll(inFlight);
    return (pairs, errors, latencies);
}

// Every query kind the web UI's job list can send (filters, free text, node filter, each sortable column) and the usage
// page, each with varying values from a request number.
(string Name, Func<int, string> Url)[] ListQueryKinds()
{
    var clusters = new[] { "horeka", "haicore", "juwels", "levante" };
    var partitions = new[] { "cpuonly", "accelerated", "large", "dev" };
    return new (string Name, Func<int, string> Url)[]
    {
        ("user's jobs in a cluster, newest first", i => $"/api/jobs?cluster={clusters[i % 4]}&user=user{i * 7 % 2000}&sort=startTime&order=desc&pageSize=50"),
        ("partition + failed + month, page 3", i => $"/api/jobs?cluster={clusters[i % 2 * 2]}&partition={partitions[i % 4]}&state=failed&from=2024-03-01T00:00:00Z&to=2024-04-01T00:00:00Z&sort=startTime&order=desc&page=3&pageSize=50"),
        ("account, >= 4 nodes, longest first", i => $"/api/jobs?account=acct{i % 300}&minNodes=4&sort=duration&order=desc&pageSize=50"),
        ("all jobs, newest first (default page)", i => $"/api/jobs?sort=startTime&order=desc&page={1 + i % 3}&pageSize=50"),
        ("free text: part of a job name", i => $"/api/jobs?q=job-{(i * 7919) % jobCount}&pageSize=50"),
        ("free text: part of a SLURM id", i => $"/api/jobs?q={100_000 + (i * 7919) % (jobCount / 4)}&pageSize=50"),
        ("free text: a host name", i => $"/api/jobs?q=n{(i * 37) % 5000:0000}&pageSize=50"),
        ("node filter: one node", i => $"/api/jobs?node=n{(i * 53) % 5000:0000}&sort=startTime&order=desc&pageSize=50"),
        ("node filter: hostlist of 4", i => $"/api/jobs?node=n[{(i * 53) % 4990:0000}-{(i * 53) % 4990 + 3:0000}]&pageSize=50"),
        ("state=running", i => "/api/jobs?state=running&sort=startTime&order=desc&pageSize=50"),
        ("sort by nodes (all jobs)", i => $"/api/jobs?sort=numNodes&order={(i % 2 == 0 ? "desc" : "asc")}&pageSize=50"),
        ("sort by duration (a cluster)", i => $"/api/jobs?cluster={clusters[i % 4]}&sort=duration&order=desc&pageSize=50"),
        ("sort by GPUs (all jobs)", i => "/api/jobs?sort=gpus&order=desc&pageSize=50"),
        ("sort by name (all jobs)", i => $"/api/jobs?sort=name&order={(i % 2 == 0 ? "asc" : "desc")}&pageSize=50"),
        ("sort by user (all jobs)", i => "/api/jobs?sort=user&order=asc&pageSize=50"),
        ("sort by account (all jobs)", i => "/api/jobs?sort=account&order=asc&pageSize=50"),
        ("sort by partition (all jobs)", i => "/api/jobs?sort=partition&order=asc&pageSize=50"),
        ("sort by cluster (all jobs)", i => "/api/jobs?sort=cluster&order=asc&pageSize=50"),
        ("sort by state (all jobs)", i => "/api/jobs?sort=state&order=asc&pageSize=50"),
        ("sort by job id (all jobs)", i => "/api/jobs?sort=jobId&order=desc&pageSize=50"),
        ("time window, page 3", i => $"/api/jobs?from=2024-{1 + i % 9:00}-01T00:00:00Z&to=2024-{1 + i % 9:00}-08T00:00:00Z&page=3&pageSize=50"),
        ("a user's usage page, last 14 days", i => $"/api/usage?user=user{i * 7 % 2000}"),
        ("a user's usage page, one year by month", i => $"/api/usage?user=user{i * 7 % 2000}&from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&interval=month"),
    };
}

// Sustained mixed load (issue 18): start+stop pairs at a fixed rate plus the UI's list mix at a fixed rate, on a seeded
// database, for minutes; per 30 s window: rate, latency of both, errors and the Jobmon process's resident memory.
async Task SustainedBenchmark()
{
    var reuse = args.SkipWhile(a => a != "--reuse").Skip(1).FirstOrDefault();
    var cs = reuse is null ? await PostgresServer.CreateDatabaseAsync("bench_sustained")
        : new NpgsqlConnectionStringBuilder(adminCs) { Database = reuse }.ConnectionString;
    Console.WriteLine($"Database: {new NpgsqlConnectionStringBuilder(cs).Database}");
    var store = DocumentStore.For(opts => MartenSetup.Configure(opts, new JobmonSettings { PostgresConnectionString = cs }));
    await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    if (reuse is null) await SeedAndRebuild(store, cs);
    var minutes = Arg("--minutes", 10);
    var pairRate = Arg("--ingest", 100);
    var listRate = Arg("--list-rate", 10);
    var (api, url) = await StartApiAsync(cs);
    try
    {
        using var reader = Client(url, "bench-admin-token-0123456789");
        using var writer = Client(url, "bench-ingest-token-0123456789");
        var kinds = ListQueryKinds();
        var listKinds = kinds.Where(k => k.Url(0).StartsWith("/api/jobs")).ToArray();
        var ingestSamples = new System.Collections.Concurrent.ConcurrentQueue<(TimeSpan At, double Ms, bool Ok)>();
        var listSamples = new System.Collections.Concurrent.ConcurrentQueue<(TimeSpan At, double Ms, bool Ok)>();
        var clock = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
        var slurmBase = 800_000_000L + Environment.ProcessId % 1000 * 1_000_000;
        async Task<bool> Timed(System.Collections.Concurrent.ConcurrentQueue<(TimeSpan, double, bool)> sink, Func<Task<HttpResponseMessage>> send)
        {
            var t = Stopwatch.GetTimestamp();
            var ok = false;
            try { using var r = await send(); ok = r.IsSuccessStatusCode; } catch { }
            sink.Enqueue((clock.Elapsed, Stopwatch.GetElapsedTime(t).TotalMilliseconds, ok));
            return ok;
        }
        var ingestion = RateLoop(pairRate, async n =>
        {
            var id = slurmBase + n;
            var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120;
            var body = $$"""{"Id":{{id}},"userName":"user{{id % 2000}}","clusterId":"horeka","partition":"cpuonly","numNodes":1,"numTasks":8,"tasksPerNode":8,"GPUsPerNode":0,"startTime":{{start}},"nodeList":"n{{id % 5000:0000}}","jobName":"sustained-{{id}}","account":"acct{{id % 300}}","groupName":"g","isRunning":true}""";
            if (await Timed(ingestSamples, () => writer.PutAsync("/api/job_start", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"))))
                await Timed(ingestSamples, () => writer.PatchAsync($"/api/job_stop/{id}?cluster=horeka",
                    new StringContent($$"""{"exitCode":0,"stopTime":{{start + 60}}}""", Encoding.UTF8, "application/x-www-form-urlencoded")));
        }, cts.Token);
        var lists = RateLoop(listRate, n => Timed(listSamples, () => reader.GetAsync(listKinds[n % listKinds.Length].Url((int)(n / listKinds.Length) + 1))), cts.Token);
        Console.WriteLine($"\nSustained: {pairRate} start+stop pairs/s and {listRate} job-list requests/s of the UI's mix ({listKinds.Length} kinds) for {minutes} min");
        Console.WriteLine("| window | requests/s in | ingest p50 / p95 / max ms | list p50 / p95 / max ms | errors in / list | RSS MB |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var window = TimeSpan.FromSeconds(30);
        var rows = new List<(double IngestP95, double ListP95, double Rss)>();
        for (var w = 1; w * window.TotalSeconds <= minutes * 60; w++)
        {
            var until = w * window;
            var wait = until - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var from = until - window;
            var ins = ingestSamples.Where(x => x.At > from && x.At <= until).ToList();
            var ls = listSamples.Where(x => x.At > from && x.At <= until).ToList();
            api.Refresh();
            var rss = api.WorkingSet64 / 1048576.0;
            var i = ins.Select(x => x.Ms).Order().ToList();
            var l = ls.Select(x => x.Ms).Order().ToList();
            string Q(List<double> v) => v.Count == 0 ? "-" : $"{P(v, 0.5):F1} / {P(v, 0.95):F1} / {v[^1]:F0}";
            Console.WriteLine($"| {from.TotalSeconds:F0}-{until.TotalSeconds:F0} s | {ins.Count / window.TotalSeconds:F0} | {Q(i)} | {Q(l)} | {ins.Count(x => !x.Ok)} / {ls.Count(x => !x.Ok)} | {rss:F0} |");
            rows.Add((i.Count > 0 ? P(i, 0.95) : 0, l.Count > 0 ? P(l, 0.95) : 0, rss));
        }
        await Task.WhenAll(ingestion, lists);
        var allIn = ingestSamples.Select(x => x.Ms).Order().ToList();
        var allList = listSamples.Select(x => x.Ms).Order().ToList();
        Console.WriteLine($"Whole run: ingestion {allIn.Count} requests, p50 {P(allIn, 0.5):F1} ms, p95 {P(allIn, 0.95):F1} ms, {ingestSamples.Count(x => !x.Ok)} errors; " +
            $"list {allList.Count} requests, p50 {P(allList, 0.5):F1} ms, p95 {P(allList, 0.95):F1} ms, {listSamples.Count(x => !x.Ok)} errors; RSS max {rows.Max(r => r.Rss):F0} MB");
        // Trend: the second half against the first (a value well above 1 means growth, not noise).
        var half = rows.Count / 2;
        if (half > 0)
            Console.WriteLine($"Trend (second half / first half): ingestion p95 x{rows.Skip(half).Average(r => r.IngestP95) / Math.Max(0.001, rows.Take(half).Average(r => r.IngestP95)):F2}, " +
                $"list p95 x{rows.Skip(half).Average(r => r.ListP95) / Math.Max(0.001, rows.Take(half).Average(r => r.ListP95)):F2}, " +
                $"RSS x{rows.Skip(half).Average(r => r.Rss) / rows.Take(half).Average(r => r.Rss):F2}");
    }
    finally { api.Kill(true); }
}

// Calls action(n) perSecond times a second (n = 0, 1, …) without waiting for earlier calls, until cancelled.
async Task RateLoop(int perSecond, Func<long, Task> action, CancellationToken ct)
{
    var inFlight = new List<Task>();
    var next = Stopwatch.GetTimestamp();
    for (long n = 0; !ct.IsCancellationRequested; n++)
    {
        next += Stopwatch.Frequency / perSecond;
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
        if (wait > TimeSpan.Zero) { try { await Task.Delay(wait, ct); } catch (OperationCanceledException) { break; } }
        var k = n;
        inFlight.Add(Task.Run(() => action(k)));
        inFlight.RemoveAll(task => task.IsCompleted);
    }
    await Task.WhenAll(inFlight);
}
