using System.Security.Claims;
using Jobmon.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Jobmon.Accounts;

/// <summary>Maps a validated OIDC identity to a Jobmon account and signs it in.</summary>
public sealed class OidcAccounts(IDocumentStore store, AccountService accounts, JobmonSettings settings,
    ILogger<OidcAccounts> logger)
{
    public async Task CompleteLoginAsync(TicketReceivedContext context)
    {
        var http = context.HttpContext;
        var ct = http.RequestAborted;
        context.HandleResponse(); // never sign in to the temporary scheme: a Jobmon session replaces it
        var principal = context.Principal ?? new ClaimsPrincipal();
        var username = principal.FindFirst(settings.Oidc.UsernameClaim)?.Value;
        var (account, refusal) = await FindOrCreateAsync(username, principal.FindFirst("iss")?.Value, http, ct);
        if (account is null)
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            await Results.Problem(statusCode: 403, title: "Login refused", detail: refusal,
                extensions: new Dictionary<string, object?> { ["correlationId"] = http.CorrelationId() })
                    .ExecuteAsync(http);
            return;
        }
        var (jwt, session) = await accounts.IssueSessionAsync(account, http.Request.Headers.UserAgent.ToString(), ct,
            OidcLogin.Source);
        http.Response.Cookies.Append("Authorization", "Bearer " + jwt, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, Path = "/", Expires =
                session.ExpiresAt,
        });
        logger.LogInformation("OIDC login of {Username} from {Address}", account.Username,
            http.Connection.RemoteIpAddress);
        http.Response.Redirect(settings.Oidc.AfterLoginRedirect);
    }

    /// <summary>The account for an OIDC username: created on first login (source oidc, no password). Accounts of
    /// another
    /// source with the same name are never taken over (an IdP user "admin" must not become the local admin).</summary>
    public async Task<(UserAccount? Account, string? Refusal)> FindOrCreateAsync(string? username, string? issuer,
        HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(username) || !AccountEndpoints.Username.IsMatch(username))
        {
            logger.LogWarning("OIDC login refused: claim {Claim} missing or not a valid user name",
                settings.Oidc.UsernameClaim);
            return (null, $"The identity provider sent no usable '{settings.Oidc.UsernameClaim}' (1-64 letters, " +
                "digits or . _ @ -).");
        }
        var account = await accounts.FindAsync(username, ct);
        if (account is null)
        {
            var id = Guid.CreateVersion7();
            string[] roles = settings.Oidc.AutoAssignUserRole ? [Roles.User] : [];
            await using var session = store.LightweightSession();
            new EventContext(username, http.CorrelationId(), "oidc").ApplyTo(session);
            session.Events.StartStream<UserAccount>(id,
                new UserCreated(id, username, roles, OidcLogin.Source, null, $"oidc:{issuer}"));
            try
            {
                await session.SaveChangesAsync(ct);
                logger.LogInformation("Created account {Username} at first OIDC login (roles: {Roles})", username,
                    string.Join(",", roles));
            }
            // created by a parallel login
            catch (Exception e) when (Jobmon.Infrastructure.DatabaseErrors.IsUniqueViolation(e)) { }
            account = await accounts.FindAsync(username, ct);
            if (account is null) return (null, "The account could not be created.");
        }
        if (account.Source != OidcLogin.Source)
        {
            logger.LogWarning("OIDC login as {Username} refused: a {Source} account has that name", username,
                account.Source);
            return (null, $"The user name {username} belongs to a local account; ask an administrator.");
        }
        if (account.Disabled)
        {
            logger.LogWarning("OIDC login of disabled account {Username} refused", username);
            return (null, $"The account {username} is disabled.");
        }
        return (account, null);
    }
}
