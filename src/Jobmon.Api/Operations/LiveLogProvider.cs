using System.Collections.Concurrent;
using System.Threading.Channels;
using Jobmon.Infrastructure;

namespace Jobmon.Operations;

public sealed class LiveLogProvider(LiveLogBuffer buffer) : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider? _scopes;
    public ILogger CreateLogger(string categoryName) => new LiveLogger(categoryName, buffer, () => _scopes);
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
    public void Dispose() { }

    private sealed class LiveLogger(string category, LiveLogBuffer buffer, Func<IExternalScopeProvider?> scopes)
        : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState,
            Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string? correlation = null;
            scopes()?.ForEachScope((scope, _) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object>> pairs)
                    foreach (var (k, v) in pairs) if (k == "CorrelationId") correlation = v?.ToString();
            }, (object?)null);
            var message = formatter(state, exception)
                + (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})");
            buffer.Add(new LogLine(DateTimeOffset.UtcNow, logLevel.ToString(), category, message, correlation));
        }
    }
}
