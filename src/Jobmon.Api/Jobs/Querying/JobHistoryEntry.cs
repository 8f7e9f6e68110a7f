using System.Text.Json;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Querying;

public sealed record JobHistoryEntry(
    long Version, long Sequence, string Type, DateTimeOffset Timestamp, string? CausedBy, string? CorrelationId,
        string? Source,
    JsonElement Data, string? Reason = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static string? Header(JasperFx.Events.IEvent e, string key) =>
        e.Headers is { } h && h.TryGetValue(key, out var v) && v is not null ? v.ToString() : null;

    public static JobHistoryEntry From(JasperFx.Events.IEvent e) => new(
        e.Version, e.Sequence, e.EventTypeName, e.Timestamp, Header(e, "causedBy") ?? e.UserName, e.CorrelationId,
            Header(e, "source"),
        JsonSerializer.SerializeToElement(e.Data, e.EventType, Json), Header(e, "reason"));
}
