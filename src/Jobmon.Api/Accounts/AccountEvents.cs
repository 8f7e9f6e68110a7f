namespace Jobmon.Accounts;

// Access changes are events: the audit trail shows who granted what, when. One stream per account (Guid), one per API key.

public sealed record UserCreated(Guid AccountId, string Username, string[] Roles, string Source, string? PasswordHash, string CreatedBy);
public sealed record UserPasswordChanged(Guid AccountId, string PasswordHash, string ChangedBy, bool Upgrade = false);
public sealed record UserRolesChanged(Guid AccountId, string[] Roles, string ChangedBy);
public sealed record UserDisabled(Guid AccountId, string By);
public sealed record UserEnabled(Guid AccountId, string By);
public sealed record UserDeleted(Guid AccountId, string By);
public sealed record UserLoggedIn(Guid AccountId, DateTimeOffset At, string Method);

/// <param name="Source">Null for Jobmon's own keys; "original" for a token the original JobMon minted (imported from its
/// database or registered at its first use), whose <paramref name="SecretHash"/> is the SHA-256 of the whole JWT.</param>
public sealed record ApiKeyCreated(Guid KeyId, string Name, string Role, string SecretHash, string CreatedBy, DateTimeOffset? ExpiresAt, string? Source = null);
public sealed record ApiKeyRevoked(Guid KeyId, string By);

/// <summary>The view of an account (inline, so logins and role checks see changes at once).</summary>
public sealed record UserAccount
{
    public Guid Id { get; init; }
    public string Username { get; init; } = "";
    public string[] Roles { get; init; } = [];
    public string Source { get; init; } = "local";
    public string? PasswordHash { get; init; }
    public bool Disabled { get; init; }
    public bool Deleted { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? LastLogin { get; init; }
    public int Version { get; set; }

    public static UserAccount Create(JasperFx.Events.IEvent<UserCreated> e) => new()
    {
        Id = e.StreamId, Username = e.Data.Username, Roles = e.Data.Roles, Source = e.Data.Source,
        PasswordHash = e.Data.PasswordHash, CreatedAt = e.Timestamp,
    };
    public UserAccount Apply(UserPasswordChanged e) => this with { PasswordHash = e.PasswordHash };
    public UserAccount Apply(UserRolesChanged e) => this with { Roles = e.Roles };
    public UserAccount Apply(UserDisabled _) => this with { Disabled = true };
    public UserAccount Apply(UserEnabled _) => this with { Disabled = false };
    public UserAccount Apply(UserDeleted _) => this with { Deleted = true, Disabled = true, Username = $"{Username}#deleted#{Id:N}" };
    public UserAccount Apply(UserLoggedIn e) => this with { LastLogin = e.At };
}

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
        Id = e.StreamId, Name = e.Data.Name, Role = e.Data.Role, SecretHash = e.Data.SecretHash, CreatedBy = e.Data.CreatedBy,
        CreatedAt = e.Timestamp, ExpiresAt = e.Data.ExpiresAt, Source = e.Data.Source,
    };
    public ApiKey Apply(ApiKeyRevoked e) => this with { Revoked = true, RevokedBy = e.By };
}

/// <summary>Last use of a key: a plain document, written at most once a minute per key (not an event: it is telemetry).</summary>
public sealed class ApiKeyUsage
{
    public Guid Id { get; set; }
    public DateTimeOffset LastUsedAt { get; set; }
}

/// <summary>A signed-in session (the JWT's jti). Revoked at logout; checked on every request.</summary>
public sealed class UserSession
{
    public Guid Id { get; set; }
    public Guid AccountId { get; set; }
    public string Username { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public bool Revoked { get; set; }
    public string? Client { get; set; }
}
