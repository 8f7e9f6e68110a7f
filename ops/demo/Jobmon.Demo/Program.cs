using System.Runtime.InteropServices;
using Jobmon.Demo;
using Jobmon.Hostlists;
using Jobmon.Influx;

DemoOptions o;
try
{
    o = DemoOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"jobmon-demo: {e.Message}");
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}

if (o.Help)
{
    Console.WriteLine(DemoOptions.Usage);
    return 0;
}

var log = new Log();
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    if (!stop.IsCancellationRequested) log.Info("stopping (running jobs stay running, as on a real cluster) …");
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.Cancel();
});

var interval = TimeSpan.FromSeconds(o.IntervalSeconds);
DateTimeOffset Align(DateTimeOffset t) => DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds() / o.IntervalSeconds * o.IntervalSeconds);
var seed = o.Seed ?? Random.Shared.Next();
var rng = new Random(seed);
var now = Align(DateTimeOffset.UtcNow);
var t0 = Align(now - TimeSpan.FromHours(o.BackfillHours));

log.Info($"Jobmon demo cluster '{o.Cluster}': {o.Nodes} nodes, interval {o.IntervalSeconds} s, speed ×{o.Speed:0.##}, " +
         $"backfill {o.BackfillHours:0.##} h, seed {seed}");
log.Info($"  Jobmon   {o.JobmonUrl}  (PUT /api/job_start, PATCH /api/job_stop/{{id}})");
log.Info(o.InfluxUrl is null
    ? "  InfluxDB not set (--influx or JOBMON_INFLUXDB): jobs only, no metrics"
    : $"  InfluxDB {o.InfluxUrl}  database '{o.Database}'");

InfluxClient? influx = null;
MetricSink? sink = null;
if (o.InfluxUrl is not null)
{
    influx = new InfluxClient(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, new InfluxOptions
    {
        BaseUrl = o.InfluxUrl,
        Token = string.IsNullOrEmpty(o.InfluxToken) ? null : o.InfluxToken,
        Database = o.Database,
        Timeout = TimeSpan.FromSeconds(20),
        RetryCount = 0,
    });
    if (!await MetricSink.EnsureDatabaseAsync(influx, log, stop.Token)) return 130;
    sink = new MetricSink(influx, log);
    // After a restart, continue where the previous run's data ends instead of writing a second history over it.
    if (t0 < now && await MetricSink.LatestSampleAsync(influx, o.Cluster, t0, stop.Token) is { } latest)
    {
        // A tick's samples lie in (tick − interval, tick] (MetricModel): the tick after the newest sample's is the next.
        t0 = latest >= now ? now : Align(latest) + 2 * interval;
        log.Info($"InfluxDB already has data of cluster '{o.Cluster}' up to {latest.ToLocalTime():HH:mm:ss}: " +
                 (t0 < now ? $"backfilling only from {t0.ToLocalTime():HH:mm:ss}" : "no backfill"));
    }
}

using var jobmon = new JobmonPusher(o.JobmonUrl, o.Token!, log);
var scheduler = new Scheduler(o.Cluster, o.Nodes, o.Speed, interval, rng, t0);
var model = new MetricModel(o.Cluster, interval);
var gpuNodes = scheduler.Nodes.Where(n => n.HasGpus).Select(n => n.Name).ToList();
log.Info($"  nodes    {Hostlist.Compress(scheduler.Nodes.Where(n => !n.HasGpus).Select(n => n.Name))} ({Scheduler.CpuPartition})" +
         (gpuNodes.Count > 0 ? $", {Hostlist.Compress(gpuNodes)} ({Scheduler.GpuPartition}, {Node.Gpus} GPUs each)" : ""));
var started = 0;
var ended = 0;
var live = false;

void Handle(IEnumerable<JobEvent> events)
{
    foreach (var e in events)
    {
        if (e.Kind == JobEventKind.Started)
        {
            jobmon.Start(e.Job, o.Cluster);
            started++;
            if (live) log.Event(e.Time, Describe.Start(e.Job));
        }
        else
        {
            jobmon.Stop(e.Job, o.Cluster);
            ended++;
            if (live) log.Event(e.Time, Describe.End(e.Job));
        }
    }
}

LineProtocolWriter Metrics(DateTimeOffset t, LineProtocolWriter? into = null)
{
    var w = into ?? new LineProtocolWriter(WritePrecision.Nanoseconds);
    foreach (var node in scheduler.Nodes) model.Write(w, node, t);
    return w;
}

// Backfill (or, without it, just the first sample): the cluster "boots" at t0 with a few jobs, then plays until now.
Handle(scheduler.PrimedStarts());
var backfillBatch = new LineProtocolWriter(WritePrecision.Nanoseconds);
var lastTick = t0;
if (t0 < now) log.Info($"backfill: playing {t0.ToLocalTime():HH:mm} – {now.ToLocalTime():HH:mm} …");
for (var t = t0; t <= now && !stop.IsCancellationRequested; t += interval)
{
    Handle(scheduler.Advance(t));
    lastTick = t;
    if (sink is null) continue;
    Metrics(t, backfillBatch);
    if (backfillBatch.PointCount < 5000) continue;
    sink.Add(backfillBatch);
    backfillBatch = new LineProtocolWriter(WritePrecision.Nanoseconds);
    await FlushMetricsWaiting();
}

// SLURM ids grow with time and never repeat. A restart may replay a past the previous run has already played, so ids
// come from the wall clock at program start (ten per second since 2024, faster than any run uses them): the backfilled
// jobs get the ids just below that, the live ones count up from it. So a later run never reuses an earlier run's id
// (Jobmon would reject the start, or end the wrong job).
scheduler.FixIds((DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1_704_067_200) * 10 + rng.Next(0, 10));

if (sink is not null)
{
    sink.Add(backfillBatch);
    await FlushMetricsWaiting();
}

if (t0 < now)
{
    log.Info($"backfill: {started} jobs ({ended} ended, {scheduler.Running.Count} running)" +
             (sink is null ? "" : $", {sink.WrittenPoints:N0} metric points") + "; sending the jobs to Jobmon …");
}

await jobmon.FlushAsync(stop.Token);
if (t0 < now && jobmon.Queued == 0) log.Info($"backfill: Jobmon has all {jobmon.Sent} job starts/ends");
foreach (var job in scheduler.Running.OrderBy(j => j.Start)) log.Event(job.Start, Describe.Start(job));

// Live: one sample per interval, aligned to the wall clock; job starts/ends as they happen.
live = true;
var liveEnd = o.DurationSeconds > 0 ? DateTimeOffset.UtcNow + TimeSpan.FromSeconds(o.DurationSeconds) : DateTimeOffset.MaxValue;
var next = lastTick + interval;
var lastStatus = DateTimeOffset.UtcNow;
log.Info(o.DurationSeconds > 0 ? $"live for {o.DurationSeconds:0} s (Ctrl-C stops)" : "live (Ctrl-C stops)");
while (!stop.IsCancellationRequested)
{
    var wake = next < liveEnd ? next : liveEnd;
    var wait = wake - DateTimeOffset.UtcNow;
    if (wait > TimeSpan.Zero)
    {
        try
        {
            await Task.Delay(wait, stop.Token);
        }
        catch (OperationCanceledException)
        {
            break;
        }
    }

    if (DateTimeOffset.UtcNow >= liveEnd) break;
    if (DateTimeOffset.UtcNow - next > TimeSpan.FromHours(1))
    {
        log.Warn($"the clock jumped by {DateTimeOffset.UtcNow - next:hh\\:mm\\:ss} (suspend?); continuing from now");
        next = Align(DateTimeOffset.UtcNow);
    }

    Handle(scheduler.Advance(next));
    sink?.Add(Metrics(next));
    next += interval;
    if (next <= DateTimeOffset.UtcNow) continue; // catching up after a stall: send once up to date

    if (sink is not null) await sink.FlushAsync(stop.Token);
    await jobmon.FlushAsync(stop.Token);
    if (DateTimeOffset.UtcNow - lastStatus >= TimeSpan.FromMinutes(1))
    {
        lastStatus = DateTimeOffset.UtcNow;
        log.Info(Status());
    }
}

// Send what is still queued (bounded), then leave: running jobs stay running in Jobmon, like on a real cluster.
using (var final = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
{
    await jobmon.FlushAsync(final.Token, ignoreBackoff: true);
    if (sink is not null) await sink.FlushAsync(final.Token, ignoreBackoff: true);
}

log.Info($"stopped. {Status()}");
if (jobmon.Queued > 0) log.Warn($"{jobmon.Queued} job start/stop request(s) could not be delivered to Jobmon");
if (sink is { BufferedPoints: > 0 }) log.Warn($"{sink.BufferedPoints:N0} metric points could not be written to InfluxDB");
return 0;

string Status()
{
    var busy = scheduler.Nodes.Count(n => n.Job is not null);
    var text = $"{scheduler.Running.Count} jobs running on {busy}/{scheduler.Nodes.Count} nodes, {scheduler.Pending} pending, " +
               $"{started} started / {ended} ended; Jobmon: {jobmon.Sent} sent, {jobmon.Queued} queued, {jobmon.Dropped} rejected";
    return sink is null ? text : text + $"; InfluxDB: {sink.WrittenPoints:N0} points written, {sink.BufferedPoints:N0} buffered";
}

async Task FlushMetricsWaiting()
{
    // During the backfill, wait for InfluxDB rather than piling up hours of data in memory.
    while (!stop.IsCancellationRequested && !await sink!.FlushAsync(stop.Token))
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
    }
}
