namespace Jobmon.Accounts;

public sealed record ApiKey
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Role { get; init; } = "";
    public string SecretHash { get; init; } = "";
    public string CreatedBy { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool Revoked { get; init; }
    public string? RevokedBy { get; init; }
    /// <summary>"original" for the original JobMon's tokens; null for Jobmon's keys.</summary>
    public string? Source { get; init; }
    public int Version { get; set; }

    public static ApiKey Create(JasperFx.Events.IEvent<ApiKeyCreated> e) => new()
    {
        Id = e.StreamId, Name = e.Data.Name, Role = e.Data.Role, SecretHash = e.Data.SecretHash, CreatedBy =
            e.Data.CreatedBy,
        CreatedAt = e.Timestamp, ExpiresAt = e.Data.ExpiresAt, Source = e.Data.Source,
    };
    public ApiKey Apply(ApiKeyRevoked e) => this with { Revoked = true, RevokedBy = e.By };
}
