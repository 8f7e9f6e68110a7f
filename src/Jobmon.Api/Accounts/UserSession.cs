namespace Jobmon.Accounts;

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
