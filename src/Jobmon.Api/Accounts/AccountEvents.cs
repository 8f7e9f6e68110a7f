namespace Jobmon.Accounts;


// Access changes are events: the audit trail shows who granted what, when. One stream per account (Guid), one per API
// key.

public sealed record UserCreated(Guid AccountId, string Username, string[] Roles, string Source, string? PasswordHash,
    string CreatedBy);

public sealed record UserPasswordChanged(Guid AccountId, string PasswordHash, string ChangedBy, bool Upgrade = false);

public sealed record UserRolesChanged(Guid AccountId, string[] Roles, string ChangedBy);

public sealed record UserDisabled(Guid AccountId, string By);

public sealed record UserEnabled(Guid AccountId, string By);

public sealed record UserDeleted(Guid AccountId, string By);

public sealed record UserLoggedIn(Guid AccountId, DateTimeOffset At, string Method);

/// <param name="Source">Null for Jobmon's own keys; "original" for a token the original JobMon minted (imported from
/// its
/// database or registered at its first use), whose <paramref name="SecretHash"/> is the SHA-256 of the whole
/// JWT.</param>
public sealed record ApiKeyCreated(Guid KeyId, string Name, string Role, string SecretHash, string CreatedBy,
    DateTimeOffset? ExpiresAt, string? Source = null);

public sealed record ApiKeyRevoked(Guid KeyId, string By);
