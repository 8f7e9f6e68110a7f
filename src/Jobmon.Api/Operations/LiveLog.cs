using System.Collections.Concurrent;
using System.Threading.Channels;
using Jobmon.Infrastructure;

namespace Jobmon.Operations;

public sealed record LogLine(DateTimeOffset Time, string Level, string Category, string Message, string? CorrelationId);

/// <summary>The last log lines in memory, and a fan-out to admins watching the live log (Settings → Logs).</summary>
public sealed class LiveLogBuffer
{
    private const int Capacity = 500;
    private readonly ConcurrentQueue<LogLine> _lines = new();
    private readonly ConcurrentDictionary<Guid, Channel<LogLine>> _watchers = new();

    public IReadOnlyList<LogLine> Recent(int count) => _lines.TakeLast(Math.Clamp(count, 1, Capacity)).ToList();

    public void Add(LogLine line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _)) { }
        foreach (var w in _watchers.Values) w.Writer.TryWrite(line);
    }

    public ChannelReader<LogLine> Watch(out Action stop)
    {
        var id = Guid.NewGuid();
        var channel = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        _watchers[id] = channel;
        stop = () => { _watchers.TryRemove(id, out _); channel.Writer.TryComplete(); };
        return channel.Reader;
    }
}

public sealed class LiveLogProvider(LiveLogBuffer buffer) : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider? _scopes;
    public ILogger CreateLogger(string categoryName) => new LiveLogger(categoryName, buffer, () => _scopes);
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
    public void Dispose() { }

    private sealed class LiveLogger(string category, LiveLogBuffer buffer, Func<IExternalScopeProvider?> scopes) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string? correlation = null;
            scopes()?.ForEachScope((scope, _) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object>> pairs)
                    foreach (var (k, v) in pairs) if (k == "CorrelationId") correlation = v?.ToString();
            }, (object?)null);
            var message = formatter(state, exception) + (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})");
            buffer.Add(new LogLine(DateTimeOffset.UtcNow, logLevel.ToString(), category, message, correlation));
        }
    }
}

public static class LiveLogEndpoints
{
    public static IServiceCollection AddLiveLog(this IServiceCollection services, ILoggingBuilder logging)
    {
        var buffer = new LiveLogBuffer();
        services.AddSingleton(buffer);
        logging.AddProvider(new LiveLogProvider(buffer));
        return services;
    }

    public static IEndpointRouteBuilder MapLiveLog(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/admin/logs", (LiveLogBuffer buffer, int? count) => Results.Ok(buffer.Recent(count ?? 100)))
            .RequireAuthorization(Policies.Admin).WithTags("Administration").WithSummary("The last log lines of this replica.");
        app.MapGet("/api/admin/logs/live", async (HttpContext http, LiveLogBuffer buffer, CancellationToken ct) =>
        {
            http.Response.Headers.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            var reader = buffer.Watch(out var stop);
            try
            {
                foreach (var line in buffer.Recent(25))
                    await http.Response.WriteAsync($"data: {System.Text.Json.JsonSerializer.Serialize(line, System.Text.Json.JsonSerializerOptions.Web)}\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
                await foreach (var line in reader.ReadAllAsync(ct))
                {
                    await http.Response.WriteAsync($"data: {System.Text.Json.JsonSerializer.Serialize(line, System.Text.Json.JsonSerializerOptions.Web)}\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                }
            }
            catch (OperationCanceledException) { }
            finally { stop(); }
        }).RequireAuthorization(Policies.Admin).WithTags("Administration").WithSummary("Live log (Server-Sent Events): the last 25 lines, then new ones.");
        return app;
    }
}
