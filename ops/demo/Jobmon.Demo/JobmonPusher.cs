using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Jobmon.Demo;

/// <summary>
/// Sends job starts and ends to Jobmon exactly like ops/slurm/jobmon_slurm: <c>PUT /api/job_start</c> and
/// <c>PATCH /api/job_stop/{id}?cluster=</c>, a JSON body with curl's default content type
/// (application/x-www-form-urlencoded) and the token as the cookie <c>Authorization=Bearer …</c>.
/// Requests are queued and sent in order (a stop never overtakes its start). Like the script's spool: connection errors,
/// 401/403/408/429 and 5xx keep the request queued and the queue is retried with back-off; other 4xx are reported and dropped.
/// </summary>
public sealed class JobmonPusher(string baseUrl, string token, Log log) : IDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    private readonly Queue<Request> _queue = new();
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;
    private TimeSpan _backoff = TimeSpan.FromSeconds(2);
    private DateTimeOffset _lastComplaint = DateTimeOffset.MinValue;
    private bool _failing;

    public int Queued => _queue.Count;
    public int Sent { get; private set; }
    public int Dropped { get; private set; }

    /// <summary>Queues the job's start; the body is built when it is sent (the job's id may still be provisional now).</summary>
    public void Start(Job job, string cluster) => _queue.Enqueue(new Request(true, job, cluster));

    /// <summary>Queues the job's end (its exit code and end time are known).</summary>
    public void Stop(Job job, string cluster) => _queue.Enqueue(new Request(false, job, cluster));

    /// <summary>Sends queued requests in order until the queue is empty or Jobmon fails (then waits for the back-off).</summary>
    public async Task FlushAsync(CancellationToken ct, bool ignoreBackoff = false)
    {
        if (_queue.Count == 0 || (!ignoreBackoff && DateTimeOffset.UtcNow < _retryAt)) return;
        while (_queue.TryPeek(out var request) && !ct.IsCancellationRequested)
        {
            var (ok, retry, what) = await SendAsync(request, ct);
            if (ok)
            {
                _queue.Dequeue();
                Sent++;
                if (_failing)
                {
                    log.Info($"Jobmon answers again; sending {_queue.Count + 1} queued request(s)");
                    _failing = false;
                    _backoff = TimeSpan.FromSeconds(2);
                }

                continue;
            }

            if (!retry)
            {
                _queue.Dequeue();
                Dropped++;
                log.Warn($"Jobmon rejected the {request.What}: {what}; dropped. Body: {request.Body}");
                continue;
            }

            if (ct.IsCancellationRequested) return;
            _retryAt = DateTimeOffset.UtcNow + _backoff;
            if (!_failing || DateTimeOffset.UtcNow - _lastComplaint > TimeSpan.FromMinutes(1))
            {
                log.Warn($"Jobmon: {request.What} failed: {what}; {_queue.Count} request(s) queued, retrying in {_backoff.TotalSeconds:0} s");
                _lastComplaint = DateTimeOffset.UtcNow;
            }

            _failing = true;
            _backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, _backoff.Ticks * 2));
            return;
        }
    }

    private async Task<(bool Ok, bool Retry, string What)> SendAsync(Request r, CancellationToken ct)
    {
        try
        {
            using var message = new HttpRequestMessage(r.Method, baseUrl + r.Path);
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(r.Body));
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            message.Headers.TryAddWithoutValidation("Cookie", $"Authorization=Bearer {token}");
            using var response = await _http.SendAsync(message, ct);
            if (response.IsSuccessStatusCode) return (true, false, "");
            var body = await ReadBodyAsync(response, ct);
            var status = (int)response.StatusCode;
            var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " (check --token / JOBMON_INGEST_TOKEN)" : "";
            var what = $"HTTP {status} {response.ReasonPhrase}{hint}{(body.Length > 0 ? ": " + body : "")}";
            var retry = status is 401 or 403 or 408 or 429 or >= 500;
            return (false, retry, what);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return (false, true, "cancelled");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            var reason = e is TaskCanceledException ? "no answer within 10 s" : e.InnerException?.Message ?? e.Message;
            return (false, true, $"{baseUrl} unreachable ({reason})");
        }
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            text = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
            return text.Length > 600 ? text[..600] + "…" : text;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return "";
        }
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public void Dispose() => _http.Dispose();

    private sealed record Request(bool IsStart, Job Job, string Cluster)
    {
        public HttpMethod Method => IsStart ? HttpMethod.Put : HttpMethod.Patch;

        public string Path => IsStart ? "/api/job_start" : $"/api/job_stop/{Job.Id}?cluster={Uri.EscapeDataString(Cluster)}";

        public string What => $"{(IsStart ? "start" : "stop")} of job {Job.Id}";

        /// <summary>The bodies ops/slurm/jobmon_slurm sends (same keys, same order).</summary>
        public string Body => IsStart
            ? Json(w =>
            {
                w.WriteNumber("Id", Job.Id);
                w.WriteString("userName", Job.User.Name);
                w.WriteNumber("userId", Job.User.Uid);
                w.WriteString("groupName", Job.User.Group);
                w.WriteNumber("groupId", Job.User.Gid);
                w.WriteString("account", Job.Account);
                w.WriteString("jobName", Job.Name);
                w.WriteString("clusterId", Cluster);
                w.WriteString("partition", Job.Partition);
                w.WriteNumber("numNodes", Job.NumNodes);
                w.WriteNumber("numTasks", Job.NumNodes * Job.TasksPerNode);
                w.WriteNumber("tasksPerNode", Job.TasksPerNode);
                w.WriteNumber("GPUsPerNode", Job.GpusPerNode);
                w.WriteNumber("startTime", Job.Start.ToUnixTimeSeconds());
                w.WriteString("nodeList", string.Join('|', Job.Nodes.Select(n => n.Name)));
                w.WriteBoolean("isRunning", true);
                w.WriteString("jobScript", "noJobSript");
                w.WriteString("projectId", "noProject");
            })
            : Json(w =>
            {
                w.WriteNumber("exitCode", Job.ExitCode);
                w.WriteNumber("stopTime", Job.End.ToUnixTimeSeconds());
                w.WriteString("clusterId", Cluster);
            });
    }
}
