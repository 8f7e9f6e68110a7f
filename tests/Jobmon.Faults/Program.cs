using System.Diagnostics;
using System.Text.Json;
using Jobmon.Faults;
using Npgsql;

// The fault and load suite (ops/faults; ARCHITECTURE.md "Async projections under faults").
//   --short            kill -9 of a Jobmon process mid-burst, a PostgreSQL restart mid-burst, a cut of every Jobmon
//                      connection, a kill -9 of the lease holder: two HotCold processes on one database (default)
//   --runs N           N rounds of (connection cut, lease-holder kill, PostgreSQL restart) under load (the 50-of-50 proof)
//   --long             a sustained mixed load for --minutes M (default 10) at --rate R pairs/s (default 100) and --lists L
//                      list queries/s (default 10), p50/p95/max and RSS every 30 s, then --runs rounds (default 10)
// After each fault the per-user and per-partition summaries must equal the job list within 15 s; at the end every
// acknowledged start and stop must be stored exactly once. Exit code 1 on any failure.
var arguments = args.ToList();
string? Arg(string name) => arguments.IndexOf(name) is var i and >= 0 && i + 1 < arguments.Count ? arguments[i + 1] : null;
var longForm = arguments.Contains("--long");
var runs = int.Parse(Arg("--runs") ?? (longForm ? "10" : "0"));
var minutes = double.Parse(Arg("--minutes") ?? "10");
var rate = double.Parse(Arg("--rate") ?? (longForm ? "100" : "40"));
var lists = double.Parse(Arg("--lists") ?? (longForm ? "10" : "2"));
var firstPort = int.Parse(Arg("--ports") ?? "18400");
var convergeLimit = TimeSpan.FromSeconds(15);
var root = Arg("--repo") ?? FindRepo();
var dll = Path.Combine(root, "src/Jobmon.Api/bin/Release/net10.0/Jobmon.Api.dll");
if (!File.Exists(dll)) { Console.Error.WriteLine($"{dll} missing: build src/Jobmon.Api in Release first (ops/faults does)."); return 2; }

var logs = Path.Combine(Path.GetTempPath(), $"jobmon-faults-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
Directory.CreateDirectory(logs);
Console.WriteLine($"Jobmon processes' logs: {logs}");
await using var pg = await LocalPostgres.StartAsync(firstPort);
var database = await pg.CreateDatabaseAsync("jobmon");
// The suite's own connections are not pooled: a restart or a cut leaves no stale connection for its next check.
var checks = database + ";Pooling=false;Timeout=5";
var processes = new[]
{
    new JobmonProcess("a", dll, database, Ports.Free(firstPort + 10), logs),
    new JobmonProcess("b", dll, database, Ports.Free(firstPort + 20), logs),
};
// Whatever happens, no Jobmon process outlives the suite (a crash would leave them on the next run's port).
AppDomain.CurrentDomain.ProcessExit += (_, _) => { foreach (var p in processes) p.Kill(); };
AppDomain.CurrentDomain.UnhandledException += (_, _) => { foreach (var p in processes) p.Kill(); };
// The first starts alone (it creates the schema), then the second.
foreach (var p in processes) await p.StartAsync();
const string cluster = "faults";
var load = new Load(processes, cluster, rate, lists);
using var stop = new CancellationTokenSource();
var loadTask = load.RunAsync(stop.Token);
var results = new List<FaultResult>();
var timeline = new List<string>();
var failures = 0;

try
{
    if (longForm) await SustainedAsync(TimeSpan.FromMinutes(minutes));
    if (!longForm && runs == 0)
    {
        await FaultAsync("no fault (control)", () => Task.CompletedTask);
        await FaultAsync("kill -9 mid-burst", async () => { Other(Leader() ?? processes[0]).Kill(); await Task.CompletedTask; }, restartKilled: true);
        await FaultAsync("PostgreSQL restart", pg.RestartAsync);
        await FaultAsync("connection cut", CutAllAsync);
        await FaultAsync("lease-holder kill", KillLeaderAsync, restartKilled: true);
    }
    for (var run = 1; run <= runs; run++)
    {
        Console.WriteLine($"-- round {run} of {runs}");
        await FaultAsync("connection cut", CutAllAsync);
        await FaultAsync("lease-holder kill", KillLeaderAsync, restartKilled: true);
        await FaultAsync("PostgreSQL restart", pg.RestartAsync);
    }
}
catch (Exception e)
{
    Console.WriteLine($"The suite failed: {e}");
    failures++;
}
finally
{
    load.Pause();
    await load.DrainAsync();
}

// Accounting: every acknowledged start and stop is stored exactly once; then the replay of what was not acknowledged.
var acked = (Starts: load.AckedStarts, Stops: load.AckedStops);
var before = await AccountAsync();
var unacked = await load.ResendUnacknowledgedAsync();
var after = await AccountAsync();
var finalConverge = await ConvergeAsync(TimeSpan.FromSeconds(60));
Console.WriteLine();
Console.WriteLine($"Acknowledged: {acked.Starts} starts, {acked.Stops} stops; lost: {before.LostStarts} starts, {before.LostStops} stops; " +
                  $"duplicates: {before.Duplicates}; unacknowledged then resent: {unacked}; after the resend: {after.Missing} jobs missing, " +
                  $"{after.Duplicates} duplicates; summaries level at the end: {(finalConverge is null ? "NO" : "yes")}");
var accountingOk = before.LostStarts == 0 && before.LostStops == 0 && before.Duplicates == 0 && after.Missing == 0 && after.Duplicates == 0 && finalConverge is not null;
if (!accountingOk) failures++;

stop.Cancel();
await loadTask;
foreach (var p in processes) await p.StopAsync();

PrintTable();
var passed = results.Count(r => r.Ok) + (accountingOk ? 1 : 0);
Console.WriteLine($"fault scenarios: {passed} passed, {failures} failed");
return failures == 0 ? 0 : 1;

// ---- scenarios

async Task FaultAsync(string kind, Func<Task> fault, bool restartKilled = false)
{
    load.Resume();
    await Task.Delay(2000); // mid-burst
    var ackedBefore = load.AckedStarts + load.AckedStops;
    var errorsBefore = load.Errors.ToDictionary(e => e.Key, e => e.Value);
    Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {kind}");
    try { await fault(); }
    catch (Exception e) { Console.WriteLine($"  the fault itself failed: {e.Message}"); }
    var faultDone = Stopwatch.StartNew();
    await Task.Delay(2000); // jobs keep arriving while the processes recover
    load.Pause();
    await load.DrainAsync();
    var converged = await ConvergeAsync(TimeSpan.FromSeconds(60));
    var ttc = converged is null ? (TimeSpan?)null : faultDone.Elapsed;
    var errors = load.Errors.Select(e => (e.Key, N: e.Value - errorsBefore.GetValueOrDefault(e.Key))).Where(e => e.N > 0)
        .OrderBy(e => e.Key).Select(e => $"{e.Key}: {e.N}");
    var result = new FaultResult(kind, load.AckedStarts + load.AckedStops - ackedBefore, string.Join(", ", errors), ttc, ttc is { } t && t <= convergeLimit);
    results.Add(result);
    if (!result.Ok) failures++;
    Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {kind,-20} converged {(ttc is { } c ? $"{c.TotalSeconds:0.0} s" : "NOT within 60 s")} {(result.Ok ? "ok" : "FAILED")}; errors: {(result.Errors.Length == 0 ? "none" : result.Errors)}");
    if (converged is null) await DiagnoseAsync();
    // A process that does not come back is a failure of this fault, not the end of the suite (tried again next fault).
    foreach (var p in processes.Where(p => !p.Alive))
        try { await p.StartAsync(); }
        catch (Exception e) { Console.WriteLine($"  restarting {p.Name} failed: {e.Message}"); p.Kill(); if (result.Ok) { failures++; results[^1] = result with { Ok = false }; } }
}

async Task SustainedAsync(TimeSpan duration)
{
    Console.WriteLine($"Sustained load: {rate} start+stop pairs/s and {lists} list queries/s for {duration.TotalMinutes} min");
    load.Resume();
    var acked0 = load.AckedStarts + load.AckedStops;
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed < duration)
    {
        await Task.Delay(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(sw.Elapsed.Ticks % TimeSpan.FromSeconds(30).Ticks));
        var line = $"{sw.Elapsed:mm\\:ss}  ingest {Latencies.Describe(load.Ingest.TakeWindow())}  list {Latencies.Describe(load.Lists.TakeWindow())}  " +
                   $"RSS {string.Join(" ", processes.Select(p => $"{p.Name} {p.RssMb():0} MB"))}  jobs {load.Jobs.Count}";
        Console.WriteLine(line);
        timeline.Add(line);
    }
    load.Pause();
    await load.DrainAsync();
    var converged = await ConvergeAsync(TimeSpan.FromSeconds(60));
    var all = load.Ingest.All();
    results.Add(new FaultResult("sustained (no fault)", load.AckedStarts + load.AckedStops - acked0,
        string.Join(", ", load.Errors.Select(e => $"{e.Key}: {e.Value}")), converged, converged is not null,
        $"ingest p50/p95 {Latencies.Pct(all, 50):0}/{Latencies.Pct(all, 95):0} ms, list p95 {Latencies.Pct(load.Lists.All(), 95):0} ms"));
    if (converged is null) failures++;
}

JobmonProcess? Leader()
{
    foreach (var p in processes.Where(p => p.Alive))
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var body = JsonDocument.Parse(http.GetStringAsync($"{p.Url}/health/ready").ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "{}").Result).RootElement;
            if (body.TryGetProperty("checks", out var checks) && checks.GetProperty("projections").GetProperty("shards").EnumerateArray()
                    .Any(s => s.GetProperty("shard").GetString() == "Summaries:All" && s.GetProperty("runsHere").GetBoolean()))
                return p;
        }
        catch { /* not answering */ }
    }
    return null;
}

JobmonProcess Other(JobmonProcess p) => processes.First(x => x != p);

async Task KillLeaderAsync()
{
    var leader = Leader();
    if (leader is null) { Console.WriteLine("  no process runs the summaries shard right now; killing a"); leader = processes[0]; }
    leader.Kill();
    await Task.CompletedTask;
}

async Task CutAllAsync()
{
    await using var conn = new NpgsqlConnection(pg.Admin);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'jobmon' AND pid <> pg_backend_pid()", conn);
    await cmd.ExecuteScalarAsync();
}

// ---- checks against the database

async Task DiagnoseAsync()
{
    Console.WriteLine($"  summaries vs job list: {await DifferenceAsync()}");
    await using var conn = new NpgsqlConnection(checks);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand("""
        SELECT (SELECT string_agg(name || '=' || last_seq_id, ', ') FROM jobmon.mt_event_progression)
               || '; newest event ' || (SELECT coalesce(max(seq_id), 0) FROM jobmon.mt_events)
               || '; lock holders ' || coalesce((SELECT string_agg(l.objid || ':' || a.application_name || ':' || a.state, ', ')
                   FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted), '-')
        """, conn);
    Console.WriteLine($"  progression: {await cmd.ExecuteScalarAsync()}");
    foreach (var p in processes.Where(p => p.Alive))
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try { Console.WriteLine($"  {p.Name} ready: {await http.GetStringAsync($"{p.Url}/health/ready")}"); }
        catch (Exception e) { Console.WriteLine($"  {p.Name} ready: {e.Message}"); }
    }
}

async Task<TimeSpan?> ConvergeAsync(TimeSpan limit)
{
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed < limit)
    {
        try { if (await DifferenceAsync() == "") return sw.Elapsed; } catch { /* the database may still be coming back */ }
        await Task.Delay(250);
    }
    return null;
}

// Per user and per partition: jobs and running jobs in the job list (the job view) against the summaries.
async Task<string> DifferenceAsync()
{
    await using var conn = new NpgsqlConnection(checks);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand($"""
        WITH list_users AS (SELECT "user" AS id, count(*) AS jobs, count(*) FILTER (WHERE lower(state) = 'running') AS running
                            FROM jobmon.mt_doc_jobview WHERE cluster = '{cluster}' GROUP BY 1),
             list_parts AS (SELECT cluster || '/' || partition AS id, count(*) AS jobs, count(*) FILTER (WHERE lower(state) = 'running') AS running
                            FROM jobmon.mt_doc_jobview WHERE cluster = '{cluster}' GROUP BY 1)
        SELECT 'user ' || coalesce(l.id, s.id) || ': list ' || coalesce(l.jobs, 0) || '/' || coalesce(l.running, 0) || ' running, summary '
               || coalesce(s.data->>'jobs', '-') || '/' || coalesce(s.data->>'running', '-')
        FROM list_users l FULL JOIN jobmon.mt_doc_usersummary s ON s.id = l.id
        WHERE coalesce(l.jobs, 0) <> coalesce((s.data->>'jobs')::bigint, 0) OR coalesce(l.running, 0) <> coalesce((s.data->>'running')::bigint, 0)
        UNION ALL
        SELECT 'partition ' || coalesce(l.id, s.id) || ': list ' || coalesce(l.jobs, 0) || '/' || coalesce(l.running, 0) || ' running, summary '
               || coalesce(s.data->>'jobs', '-') || '/' || coalesce(s.data->>'running', '-')
        FROM list_parts l FULL JOIN jobmon.mt_doc_partitionsummary s ON s.id = l.id
        WHERE coalesce(l.jobs, 0) <> coalesce((s.data->>'jobs')::bigint, 0) OR coalesce(l.running, 0) <> coalesce((s.data->>'running')::bigint, 0)
        LIMIT 5
        """, conn);
    var lines = new List<string>();
    await using var reader = await cmd.ExecuteReaderAsync();
    while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
    return string.Join("; ", lines);
}

async Task<(long LostStarts, long LostStops, long Duplicates, long Missing)> AccountAsync()
{
    var stored = new Dictionary<long, (int Count, bool Running)>();
    await using (var conn = new NpgsqlConnection(checks))
    {
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT slurm_id, count(*), bool_or(lower(state) = 'running') FROM jobmon.mt_doc_jobview WHERE cluster = '{cluster}' GROUP BY 1", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) stored[reader.GetInt64(0)] = ((int)reader.GetInt64(1), reader.GetBoolean(2));
    }
    var jobs = load.Jobs.Values.ToList();
    return (jobs.Count(j => j.StartAcked && !stored.ContainsKey(j.SlurmId)),
            jobs.Count(j => j.StopAcked && (!stored.TryGetValue(j.SlurmId, out var s) || s.Running)),
            stored.Values.Count(s => s.Count > 1),
            jobs.Count(j => !stored.ContainsKey(j.SlurmId)));
}

void PrintTable()
{
    Console.WriteLine();
    Console.WriteLine($"| scenario | load | faults | acknowledged | lost | duplicates | client-visible errors | time to converge |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
    var loadText = $"{rate:0} pairs/s + {lists:0} lists/s, 2 processes";
    foreach (var group in results.GroupBy(r => r.Kind))
    {
        var ttcs = group.Where(r => r.TimeToConverge is not null).Select(r => r.TimeToConverge!.Value.TotalSeconds).ToList();
        var errors = group.SelectMany(r => r.Errors.Split(", ", StringSplitOptions.RemoveEmptyEntries))
            .Select(e => e.Split(": ")).GroupBy(e => e[0]).Select(g => $"{g.Key}: {g.Sum(e => int.Parse(e[1]))}");
        var converged = ttcs.Count == 0 ? "never" : $"median {Latencies.Pct(ttcs, 50):0.0} s, max {ttcs.Max():0.0} s ({group.Count(r => r.Ok)}/{group.Count()} within 15 s)";
        Console.WriteLine($"| {group.Key} | {loadText} | {(group.Key.StartsWith("sustained") ? 0 : group.Count())} | {group.Sum(r => r.Acknowledged)} | " +
                          $"{(group.Key.StartsWith("sustained") ? "" : "see below")} | | {(errors.Any() ? string.Join(", ", errors) : "none")} | {converged}{(group.First().Note is { } n ? "; " + n : "")} |");
    }
    Console.WriteLine($"| all (accounting) | | {results.Count(r => !r.Kind.StartsWith("sustained"))} | {acked.Starts} starts + {acked.Stops} stops | " +
                      $"{before.LostStarts + before.LostStops} | {before.Duplicates} | resent {unacked} unacknowledged; {after.Missing} missing after | |");
    if (timeline.Count > 0)
    {
        Console.WriteLine();
        Console.WriteLine("Latency and RSS over time (every 30 s):");
        foreach (var line in timeline) Console.WriteLine("  " + line);
    }
}

static string FindRepo()
{
    var dir = AppContext.BaseDirectory;
    while (dir is not null && !File.Exists(Path.Combine(dir, "Jobmon.sln"))) dir = Path.GetDirectoryName(dir);
    return dir ?? throw new InvalidOperationException("repository root not found; pass --repo");
}

record FaultResult(string Kind, long Acknowledged, string Errors, TimeSpan? TimeToConverge, bool Ok, string? Note = null);
