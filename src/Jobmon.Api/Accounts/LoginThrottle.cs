using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Accounts;

/// <summary>Failed logins per account: 5 within 15 minutes lock the account's logins for the rest of the
/// window.</summary>
public sealed class LoginThrottle(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, List<DateTimeOffset>> _failures =
        new(StringComparer.OrdinalIgnoreCase);
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public const int MaxFailures = 5;

    public bool IsLocked(string username) =>
        _failures.TryGetValue(username, out var list) && Recent(list) >= MaxFailures;

    public void Failed(string username)
    {
        var list = _failures.GetOrAdd(username, _ => []);
        lock (list) { list.Add(clock.GetUtcNow()); list.RemoveAll(t => clock.GetUtcNow() - t > Window); }
    }

    public void Succeeded(string username) => _failures.TryRemove(username, out _);

    private int Recent(List<DateTimeOffset> list) { lock (list) return list.Count(
        t => clock.GetUtcNow() - t <= Window); }
}
