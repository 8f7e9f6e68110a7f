using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Jobmon.Faults;

/// <summary>What happened to one SLURM job as the clients saw it.</summary>
public sealed class JobRecord(long slurmId, long startTime)
{
    public long SlurmId { get; } = slurmId;
    public long StartTime { get; } = startTime;
    public volatile bool StartAcked;
    public volatile bool StopSent;
    public volatile bool StopAcked;
}

/// <summary>Latencies of one kind of request in a time window (p50/p95/max).</summary>
public sealed class Latencies
{
    private List<double> _window = new();
    private readonly List<double> _all = new();
    public void Add(double ms) { lock (this) { _window.Add(ms); _all.Add(ms); } }
    public List<double> TakeWindow() { lock (this) { var w = _window; _window = new(); return w; } }
    public List<double> All() { lock (this) return _all.ToList(); }
    public static string Describe(List<double> values) => values.Count == 0 ? "-"
        : $"p50 {Pct(values, 50):0} / p95 {Pct(values, 95):0} / max {values.Max():0} ms (n={values.Count})";
    public static double Pct(List<double> values, double p)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>
/// SLURM-like clients: each "pair" is a PUT /api/job_start of a new job and a PATCH /api/job_stop of a job started about
/// a second earlier (so some jobs are running at any time), at a fixed rate over the live Jobmon processes in turn;
/// optionally the web UI's job-list mix. Every answer is counted by status; acknowledged (2xx) starts and stops are
/// remembered for the accounting against the database.
/// </summary>
public sealed class Load(IReadOnlyList<JobmonProcess> targets, string cluster, double pairsPerSecond, double listsPerSecond)
{
    public const int Users = 20, Partitions = 4;
    private static readonly long T0 = 1_780_000_000;
    private long _nextId;
    private int _turn;
    private readonly ConcurrentQueue<(JobRecord Job, long Due)> _toStop = new();
    private readonly SemaphoreSlim _inFlight = new(64);
    private volatile bool _paused = true;
    public ConcurrentDictionary<long, JobRecord> Jobs { get; } = new();
    public ConcurrentDictionary<string, int> Errors { get; } = new();
    public Latencies Ingest { get; } = new();
    public Latencies Lists { get; } = new();
    public double PairsPerSecond => pairsPerSecond;
    public double ListsPerSecond => listsPerSecond;
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30), MaxConnectionsPerServer = 64 })
        { Timeout = TimeSpan.FromSeconds(15) };

    public long AckedStarts => Jobs.Values.Count(j => j.StartAcked);
    public long AckedStops => Jobs.Values.Count(j => j.StopAcked);

    public void Pause() => _paused = true;
    public void Resume() => _paused = false;

    /// <summary>Waits until no request is in flight (after <see cref="Pause"/>).</summary>
    public async Task DrainAsync()
    {
        for (var i = 0; i < 64; i++) await _inFlight.WaitAsync();
        _inFlight.Release(64);
    }

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(Pace(pairsPerSecond, PairAsync, ct), Pace(listsPerSecond, ListAsync, ct));

    private async Task Pace(double perSecond, Func<Task> work, CancellationToken ct)
    {
        if (perSecond <= 0) return;
        var clock = Stopwatch.StartNew();
        long issued = 0;
        while (!ct.IsCancellationRequested)
        {
            if (_paused) { await Task.Delay(20, CancellationToken.None); clock.Restart(); issued = 0; continue; }
            var due = (long)(clock.Elapsed.TotalSeconds * perSecond);
            for (; issued < due && !_paused; issued++)
            {
                await _inFlight.WaitAsync(CancellationToken.None);
                _ = Task.Run(async () => { try { await work(); } finally { _inFlight.Release(); } }, CancellationToken.None);
            }
            await Task.Delay(5, CancellationToken.None);
        }
    }

    private JobmonProcess? NextTarget()
    {
        var alive = targets.Where(t => t.Alive).ToList();
        return alive.Count == 0 ? null : alive[(int)((uint)Interlocked.Increment(ref _turn) % alive.Count)];
    }

    private async Task PairAsync()
    {
        var id = 1_000 + Interlocked.Increment(ref _nextId);
        var job = Jobs[id] = new JobRecord(id, T0 + id);
        await StartAsync(job);
        _toStop.Enqueue((job, Environment.TickCount64 + 1000));
        if (_toStop.TryPeek(out var next) && next.Due <= Environment.TickCount64 && _toStop.TryDequeue(out next))
        {
            if (next.Job.StartAcked) await StopAsync(next.Job);
            else _toStop.Enqueue((next.Job, Environment.TickCount64 + 1000)); // its start is resent later
        }
    }

    public async Task<bool> StartAsync(JobRecord job)
    {
        var body = $$"""
            {"Id": {{job.SlurmId}}, "userName": "u{{job.SlurmId % Users}}", "userId": 1000, "groupName": "g{{job.SlurmId % 3}}", "groupId": 100,
             "account": "a{{job.SlurmId % 5}}", "jobName": "fault-{{job.SlurmId}}", "clusterId": "{{cluster}}", "partition": "p{{job.SlurmId % Partitions}}",
             "numNodes": {{1 + job.SlurmId % 4}}, "numTasks": 4, "tasksPerNode": 4, "GPUsPerNode": 0, "startTime": {{job.StartTime}},
             "nodeList": "n{{job.SlurmId % 100}}", "isRunning": true, "jobScript": "noJobSript", "projectId": "noProject"}
            """;
        var ok = await SendAsync(HttpMethod.Put, "/api/job_start", body, JobmonProcess.IngestToken, Ingest);
        if (ok) job.StartAcked = true;
        return ok;
    }

    public async Task<bool> StopAsync(JobRecord job)
    {
        job.StopSent = true;
        var body = $$"""{"exitCode": 0, "stopTime": {{job.StartTime + 60 + job.SlurmId % 7200}}}""";
        var ok = await SendAsync(HttpMethod.Patch, $"/api/job_stop/{job.SlurmId}?cluster={cluster}", body, JobmonProcess.IngestToken, Ingest);
        if (ok) job.StopAcked = true;
        return ok;
    }

    /// <summary>The job list's usual requests from the web UI (filters, free text, sorts, a later page).</summary>
    private static readonly string[] ListMix =
    [
        "", "&q=fault-1", "&sort=numNodes&order=desc", "&sort=duration&order=desc", "&partition=p2&page=3", "&state=running",
        "&user=u7", "&state=completed&sort=stopTime",
    ];
    private int _list;

    private Task ListAsync() =>
        SendAsync(HttpMethod.Get, $"/api/jobs?cluster={cluster}&pageSize=50{ListMix[Interlocked.Increment(ref _list) % ListMix.Length]}", null, JobmonProcess.AdminToken, Lists);

    private async Task<bool> SendAsync(HttpMethod method, string path, string? body, string token, Latencies latencies)
    {
        if (NextTarget() is not { } target) { Count("no process up"); return false; }
        using var request = new HttpRequestMessage(method, target.Url + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // As the SLURM script's curl sends it: JSON with curl's default form content type.
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded");
        var sw = Stopwatch.StartNew();
        try
        {
            using var response = await _http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            latencies.Add(sw.Elapsed.TotalMilliseconds);
            if (response.IsSuccessStatusCode) return true;
            Count(((int)response.StatusCode).ToString());
            return false;
        }
        catch (TaskCanceledException) { Count("timeout"); return false; }
        catch (HttpRequestException) { Count("connection"); return false; }
    }

    private void Count(string what) => Errors.AddOrUpdate(what, 1, (_, n) => n + 1);

    /// <summary>Resends what was not acknowledged (as an operator's replay of the SLURM spool would) until acknowledged.</summary>
    public async Task<int> ResendUnacknowledgedAsync()
    {
        var unacked = 0;
        for (var round = 0; round < 10; round++)
        {
            var starts = Jobs.Values.Where(j => !j.StartAcked).ToList();
            var stops = Jobs.Values.Where(j => j.StartAcked && j.StopSent && !j.StopAcked).ToList();
            if (round == 0) unacked = starts.Count + stops.Count;
            if (starts.Count + stops.Count == 0) break;
            foreach (var j in starts) await StartAsync(j);
            foreach (var j in stops) await StopAsync(j);
            await Task.Delay(1000);
        }
        return unacked;
    }
}
