namespace Jobmon.Accounts;

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
    public UserAccount Apply(UserDeleted _) => this with { Deleted = true, Disabled = true,
        Username = $"{Username}#deleted#{Id:N}" };
    public UserAccount Apply(UserLoggedIn e) => this with { LastLogin = e.At };
}
