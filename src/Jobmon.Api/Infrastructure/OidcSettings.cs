namespace Jobmon.Infrastructure;

/// <summary>OIDC login settings (Jobmon:Oidc:*). Login is offered when Authority and ClientId are set.</summary>
public sealed class OidcSettings
{
    /// <summary>The login callback (Accounts/OidcLogin.cs); a configured RedirectUrl must end in it.</summary>
    public const string CallbackPath = "/auth/oauth/callback";

    /// <summary>The provider's issuer URL; its /.well-known/openid-configuration gives the endpoints and signing
    /// keys.</summary>
    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    /// <summary>Optional: public clients rely on PKCE alone.</summary>
    public string? ClientSecret { get; set; }
    /// <summary>Space- or comma-separated.</summary>
    public string Scopes { get; set; } = "openid profile email";
    /// <summary>The claim (ID token or userinfo) that names the Jobmon account.</summary>
    public string UsernameClaim { get; set; } = "preferred_username";
    /// <summary>Where the browser goes after a successful login (the original's AfterLoginRedirectUrl).</summary>
    public string AfterLoginRedirect { get; set; } = "/jobs";
    /// <summary>The original's auto_assign_user_role: new OIDC accounts get the "user" role; else none (they ask for
    /// access).</summary>
    public bool AutoAssignUserRole { get; set; }
    /// <summary>The absolute callback URL (the original's RedirectURL) when Jobmon runs behind a proxy that hides
    /// scheme or host;
    /// its path must be /auth/oauth/callback. Default: built from the request.</summary>
    public string? RedirectUrl { get; set; }
    /// <summary>Only for tests and labs: allow an http:// Authority.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);

    public string[] ScopeList => Scopes.Split([' ', ','],
        StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Validate()
    {
        var anySet = !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(ClientId)
            || !string.IsNullOrWhiteSpace(ClientSecret);
        if (anySet && !Enabled)
            throw new InvalidOperationException("OIDC login needs both JOBMON_OIDC_AUTHORITY (Jobmon:Oidc:Authority) " +
                "and JOBMON_OIDC_CLIENT_ID (Jobmon:Oidc:ClientId).");
        if (!Enabled) return;
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority)
            || authority.Scheme is not ("http" or "https"))
            throw new InvalidOperationException("Jobmon:Oidc:Authority must be an absolute http(s) URL.");
        if (authority.Scheme == "http" && RequireHttpsMetadata)
            throw new InvalidOperationException("Jobmon:Oidc:Authority must use https (set " +
                "Jobmon:Oidc:RequireHttpsMetadata=false only for tests).");
        if (!ScopeList.Contains("openid"))
            throw new InvalidOperationException("Jobmon:Oidc:Scopes must include openid.");
        if (string.IsNullOrWhiteSpace(UsernameClaim))
            throw new InvalidOperationException("Jobmon:Oidc:UsernameClaim must not be empty.");
        // Configured by the operator, never taken from the request: no open redirect.
        if (!(AfterLoginRedirect.StartsWith('/') && !AfterLoginRedirect.StartsWith("//")) &&
            !(Uri.TryCreate(AfterLoginRedirect, UriKind.Absolute, out var after) && after.Scheme is "http" or "https"))
            throw new InvalidOperationException("Jobmon:Oidc:AfterLoginRedirect must be a local path (/jobs) or an " +
                "absolute http(s) URL.");
        if (RedirectUrl is { Length: > 0 } redirect &&
            !(Uri.TryCreate(redirect, UriKind.Absolute, out var r) && r.Scheme is "http" or "https"
                && r.AbsolutePath == CallbackPath))
            throw new InvalidOperationException("Jobmon:Oidc:RedirectUrl must be an absolute http(s) URL ending in " +
                $"{CallbackPath}.");
    }
}
