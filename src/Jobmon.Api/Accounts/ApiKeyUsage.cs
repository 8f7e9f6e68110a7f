namespace Jobmon.Accounts;

/// <summary>Last use of a key: a plain document, written at most once a minute per key (not an event: it is
/// telemetry).</summary>
public sealed class ApiKeyUsage
{
    public Guid Id { get; set; }
    public DateTimeOffset LastUsedAt { get; set; }
}
