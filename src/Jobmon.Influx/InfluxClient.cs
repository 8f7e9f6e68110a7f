using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;

namespace Jobmon.Influx;

/// <summary>
/// Typed HttpClient for InfluxDB's v1-compatible HTTP API: <c>POST /write</c> (line protocol), <c>POST /query</c>
/// (InfluxQL, JSON answers with <c>epoch=ms</c>, chunked=false) and <c>GET /ping</c>.
/// Register with <see cref="InfluxServiceCollectionExtensions.AddJobmonInflux(IServiceCollection,
/// Microsoft.Extensions.Configuration.IConfiguration, string)"/>,
/// or construct it directly around any <see cref="HttpClient"/> (then no retries happen unless its handler adds them).
/// </summary>
/// <remarks>
/// Errors: <see cref="InfluxQueryException"/> (query rejected), <see cref="InfluxWriteException"/> (write rejected),
/// <see cref="InfluxUnavailableException"/> (unreachable or no answer within <see cref="InfluxOptions.TotalTimeout"/>,
/// which
/// covers retries and reading the body), <see cref="InfluxProtocolException"/> (unexpected answer).
/// Queries are sent as a form body (<c>q=</c>) with POST so long host regexes are not limited by URL length; InfluxDB
/// 1.x and
/// the 2.x v1 API accept read queries by POST.
/// </remarks>
public sealed class InfluxClient
{
    /// <summary>Request option that keeps the resilience handler registered by AddJobmonInflux from retrying a
    /// request.</summary>
    public static readonly HttpRequestOptionsKey<bool> NoRetryOption = new("Jobmon.Influx.NoRetry");

    private readonly HttpClient _http;
    private readonly InfluxOptions _options;
    private readonly ILogger _logger;
    private readonly Uri _baseUri;

    /// <summary>Constructor used by dependency injection (validated options).</summary>
    [ActivatorUtilitiesConstructor]
    public InfluxClient(HttpClient httpClient, IOptions<InfluxOptions> options, ILogger<InfluxClient>? logger = null)
        : this(httpClient, (options ?? throw new ArgumentNullException(nameof(options))).Value, logger)
    {
    }

    /// <summary>Creates a client; <paramref name="options"/> are validated (throws <see
    /// cref="OptionsValidationException"/>).</summary>
    public InfluxClient(HttpClient httpClient, InfluxOptions options, ILogger<InfluxClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateOrThrow();
        _http = httpClient;
        _options = options.Clone();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var baseUrl = _options.BaseUrl.Trim();
        _baseUri = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/", UriKind.Absolute);
    }

    /// <summary>The database every request uses (<c>db=</c>).</summary>
    public string Database => _options.DatabaseName;

    /// <summary>The server base URL.</summary>
    public Uri BaseUri => _baseUri;

    /// <summary>
    /// Writes line protocol (e.g. from <see cref="LineProtocolWriter"/>). Writes are retried by the registered
    /// resilience
    /// handler: InfluxDB overwrites a point with the same measurement, tag set and timestamp, so a repeated write is
    /// harmless.
    /// </summary>
    public async Task WriteAsync(string lineProtocol, WritePrecision precision = WritePrecision.Nanoseconds,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lineProtocol);
        if (lineProtocol.Length == 0)
        {
            return;
        }

        var uri = BuildUri("write", ("precision", LineProtocol.PrecisionParameter(precision)));
        var bytes = Encoding.UTF8.GetBytes(lineProtocol);
        await SendAsync("write", async ct =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri);
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
            Authorize(request);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct)
                .ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var message = await ReadErrorAsync(response, ct).ConfigureAwait(false);
                throw new InfluxWriteException(
                    $"InfluxDB rejected the write to database '{Database}' " +
                    $"(HTTP {(int)response.StatusCode}): {message}",
                    message, response.StatusCode);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the points of <paramref name="writer"/> with its precision.</summary>
    public Task WriteAsync(LineProtocolWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return WriteAsync(writer.ToString(), writer.Precision, cancellationToken);
    }

    /// <summary>
    /// Runs InfluxQL (one or more statements separated by ';'). Build the text with <see cref="InfluxQl"/> helpers
    /// only.
    /// Times in the answer are epoch milliseconds (<see cref="InfluxSeries.GetTime"/>). A statement error or an HTTP
    /// error
    /// raises <see cref="InfluxQueryException"/> with InfluxDB's message; an unknown measurement gives an empty result.
    /// </summary>
    public async Task<InfluxQueryResult> QueryAsync(string influxQl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(influxQl);
        var uri = BuildUri("query", ("epoch", "ms"));
        var started = Stopwatch.GetTimestamp();
        var result = await SendAsync("query", async ct =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri);
            request.Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("q", influxQl)]);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            Authorize(request);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct)
                .ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var message = await ReadErrorAsync(response, ct).ConfigureAwait(false);
                throw new InfluxQueryException(
                    $"InfluxDB rejected the query (HTTP {(int)response.StatusCode}): {message}", message,
                        response.StatusCode);
            }

            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            return await InfluxResponseParser.ParseAsync(body, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.LogDebug("InfluxQL query ({Length} chars) answered in {Elapsed} ms with {Series} series",
                influxQl.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                    result.Results.Sum(r => r.Series.Count));
        }

        if (result.Results.Any(r => r.IsPartial || r.Series.Any(s => s.IsPartial)))
        {
            _logger.LogWarning("InfluxDB truncated a query result (partial); check the server's max-row-limit");
        }

        return result;
    }

    /// <summary>
    /// <c>GET /ping</c> (expects 204) for health checks; never retried. Throws <see cref="InfluxUnavailableException"/>
    /// when
    /// InfluxDB is unreachable or answers with an error status.
    /// </summary>
    public Task<InfluxPing> PingAsync(CancellationToken cancellationToken = default)
    {
        var uri = new Uri(_baseUri, "ping");
        return SendAsync("ping", async ct =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Options.Set(NoRetryOption, true);
            Authorize(request);
            var started = Stopwatch.GetTimestamp();
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct)
                .ConfigureAwait(false);
            var latency = Stopwatch.GetElapsedTime(started);
            if (!response.IsSuccessStatusCode)
            {
                var message = await ReadErrorAsync(response, ct).ConfigureAwait(false);
                throw new InfluxUnavailableException($"InfluxDB at {_baseUri} answered the ping with HTTP " +
                    $"{(int)response.StatusCode}: {message}", isTimeout: false);
            }

            return new InfluxPing(Header(response, "X-Influxdb-Version"), Header(response, "X-Influxdb-Build"),
                latency);
        }, cancellationToken);
    }

    private Uri BuildUri(string path, params (string Key, string Value)[] extra)
    {
        var sb = new StringBuilder(path).Append("?db=").Append(Uri.EscapeDataString(Database));
        if (!string.IsNullOrWhiteSpace(_options.RetentionPolicy))
        {
            sb.Append("&rp=").Append(Uri.EscapeDataString(_options.RetentionPolicy));
        }

        foreach (var (key, value) in extra)
        {
            sb.Append('&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }

        return new Uri(_baseUri, sb.ToString());
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (!string.IsNullOrEmpty(_options.Token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", _options.Token);
        }
    }

    private async Task<T> SendAsync<T>(string operation, Func<CancellationToken, Task<T>> send,
        CancellationToken cancellationToken)
    {
        var timeout = _options.TotalTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            return await send(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(operation, $"did not answer within {timeout.TotalSeconds:0.###} s", isTimeout: true, ex);
        }
        catch (TimeoutException ex)
        {
            throw Unavailable(operation, $"did not answer in time ({ex.Message})", isTimeout: true, ex);
        }
        catch (ExecutionRejectedException ex)
        {
            // Polly: attempt/total timeout (TimeoutRejectedException) or open circuit (BrokenCircuitException).
            throw Unavailable(operation, ex.Message, isTimeout: ex is Polly.Timeout.TimeoutRejectedException, ex);
        }
        catch (HttpRequestException ex)
        {
            throw Unavailable(operation, $"is unreachable: {ex.Message}", isTimeout: false, ex);
        }
        catch (IOException ex)
        {
            throw Unavailable(operation, $"broke the connection: {ex.Message}", isTimeout: false, ex);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            // A reset while the request body is still being sent surfaces unwrapped.
            throw Unavailable(operation, $"broke the connection: {ex.Message}", isTimeout: false, ex);
        }
    }

    private InfluxUnavailableException Unavailable(string operation, string what, bool isTimeout, Exception inner)
    {
        _logger.LogWarning(inner, "InfluxDB {Operation} failed: {Detail}", operation, what);
        return new InfluxUnavailableException($"InfluxDB at {_baseUri} {what} ({operation}).", isTimeout, inner);
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string body;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var buffer = new byte[64 * 1024];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)
                .ConfigureAwait(false)) > 0)
            {
                read += n;
            }

            body = Encoding.UTF8.GetString(buffer, 0, read);
        }
        catch (IOException)
        {
            body = "";
        }

        var message = InfluxResponseParser.ErrorMessageFromBody(body, Header(response, "X-Influxdb-Error"));
        return response.StatusCode == HttpStatusCode.Unauthorized || response.StatusCode == HttpStatusCode.Forbidden
            ? $"{message} (check Influx:Token)"
            : message;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
