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

public sealed record AuthMethods(bool Local, bool Oidc);

/// <summary>
/// OIDC login (authorization code flow with PKCE, ID token validated by the OpenIdConnect handler: issuer, audience,
/// signature against the provider's JWKS, nonce, expiry). Cookie-less in the sense that matters: the handler's
/// correlation and nonce cookies live only for the handshake, and the sign-in scheme it requires ("oidc-signin") is
/// never written to: on TicketReceived the identity is mapped to a Jobmon account and an ordinary Jobmon session
/// (the same JWT cookie as /api/login) is issued instead, so every later request goes through the one token handler
/// and role changes, disabling and logout work exactly as for local accounts.
/// </summary>
public static class OidcLogin
{
    public const string Scheme = "oidc";
    public const string SignInScheme = "oidc-signin";
    public const string LoginPath = "/auth/oauth/login";
    public const string CallbackPath = OidcSettings.CallbackPath;
    public const string Source = "oidc";

    public static IServiceCollection AddJobmonOidc(this IServiceCollection services, JobmonSettings settings)
    {
        services.AddSingleton<OidcAccounts>();
        var oidc = settings.Oidc;
        if (!oidc.Enabled) return services;

        // The handshake's state and cookies are protected with Data Protection keys: kept in PostgreSQL so a login
        // started on one replica can finish on another.
        services.AddDataProtection().SetApplicationName("jobmon");
        services.AddOptions<KeyManagementOptions>().Configure<IDocumentStore>((o, store) => o.XmlRepository = new MartenXmlRepository(store));

        services.AddAuthentication()
            .AddCookie(SignInScheme, o =>
            {
                // Required by the remote handler as its SignInScheme; OnTicketReceived always handles the response first.
                o.Cookie.Name = "jobmon-oidc-signin";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(5);
                o.SlidingExpiration = false;
            })
            .AddOpenIdConnect(Scheme, o =>
            {
                o.Authority = oidc.Authority;
                o.ClientId = oidc.ClientId;
                o.ClientSecret = string.IsNullOrEmpty(oidc.ClientSecret) ? null : oidc.ClientSecret;
                o.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.ResponseMode = OpenIdConnectResponseMode.Query; // a top-level GET back: SameSite=Lax cookies suffice
                o.UsePkce = true;
                o.Scope.Clear();
                foreach (var scope in oidc.ScopeList) o.Scope.Add(scope);
                o.CallbackPath = CallbackPath;
                o.SignedOutCallbackPath = "/auth/oauth/signed-out";
                o.RemoteSignOutPath = "/auth/oauth/remote-signout";
                o.SignInScheme = SignInScheme;
                o.MapInboundClaims = false; // claim types as the provider names them (preferred_username, sub, ...)
                o.GetClaimsFromUserInfoEndpoint = true;
                o.ClaimActions.MapUniqueJsonKey(oidc.UsernameClaim, oidc.UsernameClaim);
                o.TokenValidationParameters.NameClaimType = oidc.UsernameClaim;
                o.SaveTokens = false;
                o.DisableTelemetry = true;
                o.RemoteAuthenticationTimeout = TimeSpan.FromMinutes(10);
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Events = new OpenIdConnectEvents
                {
                    OnRedirectToIdentityProvider = context =>
                    {
                        if (oidc.RedirectUrl is { Length: > 0 } redirect) context.ProtocolMessage.RedirectUri = redirect;
                        return Task.CompletedTask;
                    },
                    OnTicketReceived = context => context.HttpContext.RequestServices.GetRequiredService<OidcAccounts>().CompleteLoginAsync(context),
                    OnRemoteFailure = async context =>
                    {
                        // Provider errors, a refused code exchange (e.g. PKCE), invalid ID tokens, replayed or forged callbacks.
                        context.HttpContext.RequestServices.GetRequiredService<ILogger<OidcAccounts>>()
                            .LogWarning(context.Failure, "OIDC login failed from {Address}", context.HttpContext.Connection.RemoteIpAddress);
                        context.HandleResponse();
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        await Results.Problem(statusCode: 401, title: "OIDC login failed",
                            detail: "The sign-in with the identity provider could not be completed. Start again from the login page.",
                            extensions: new Dictionary<string, object?> { ["correlationId"] = context.HttpContext.CorrelationId() })
                            .ExecuteAsync(context.HttpContext);
                    },
                };
            });
        return services;
    }

    public static IEndpointRouteBuilder MapOidcLogin(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/auth/methods", (JobmonSettings settings) => Results.Ok(new AuthMethods(true, settings.Oidc.Enabled)))
            .AllowAnonymous().WithTags("Sessions").WithSummary("Which logins this server offers (the UI shows 'Login with OIDC' when oidc is true).");
        // The callback (/auth/oauth/callback) is not an endpoint: the OpenIdConnect handler answers it in UseAuthentication.
        app.MapGet(LoginPath, (JobmonSettings settings) => settings.Oidc.Enabled
                ? Results.Challenge(new AuthenticationProperties { RedirectUri = settings.Oidc.AfterLoginRedirect }, [Scheme])
                : Problems.NotFound("OIDC login is not configured on this server."))
            .AllowAnonymous().RequireRateLimiting(AccountEndpoints.LoginRateLimit).WithTags("Sessions")
            .WithSummary("Starts the OIDC login (authorization code + PKCE); ends in the session cookie and a redirect to the UI.");
        return app;
    }
}

/// <summary>Maps a validated OIDC identity to a Jobmon account and signs it in.</summary>
public sealed class OidcAccounts(IDocumentStore store, AccountService accounts, JobmonSettings settings, ILogger<OidcAccounts> logger)
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
                extensions: new Dictionary<string, object?> { ["correlationId"] = http.CorrelationId() }).ExecuteAsync(http);
            return;
        }
        var (jwt, session) = await accounts.IssueSessionAsync(account, http.Request.Headers.UserAgent.ToString(), ct, OidcLogin.Source);
        http.Response.Cookies.Append("Authorization", "Bearer " + jwt, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, Path = "/", Expires = session.ExpiresAt,
        });
        logger.LogInformation("OIDC login of {Username} from {Address}", account.Username, http.Connection.RemoteIpAddress);
        http.Response.Redirect(settings.Oidc.AfterLoginRedirect);
    }

    /// <summary>The account for an OIDC username: created on first login (source oidc, no password). Accounts of another
    /// source with the same name are never taken over (an IdP user "admin" must not become the local admin).</summary>
    public async Task<(UserAccount? Account, string? Refusal)> FindOrCreateAsync(string? username, string? issuer, HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(username) || !AccountEndpoints.Username.IsMatch(username))
        {
            logger.LogWarning("OIDC login refused: claim {Claim} missing or not a valid user name", settings.Oidc.UsernameClaim);
            return (null, $"The identity provider sent no usable '{settings.Oidc.UsernameClaim}' (1-64 letters, digits or . _ @ -).");
        }
        var account = await accounts.FindAsync(username, ct);
        if (account is null)
        {
            var id = Guid.CreateVersion7();
            string[] roles = settings.Oidc.AutoAssignUserRole ? [Roles.User] : [];
            await using var session = store.LightweightSession();
            new EventContext(username, http.CorrelationId(), "oidc").ApplyTo(session);
            session.Events.StartStream<UserAccount>(id, new UserCreated(id, username, roles, OidcLogin.Source, null, $"oidc:{issuer}"));
            try
            {
                await session.SaveChangesAsync(ct);
                logger.LogInformation("Created account {Username} at first OIDC login (roles: {Roles})", username, string.Join(",", roles));
            }
            catch (Exception e) when (Jobmon.Infrastructure.DatabaseErrors.IsUniqueViolation(e)) { } // created by a parallel login
            account = await accounts.FindAsync(username, ct);
            if (account is null) return (null, "The account could not be created.");
        }
        if (account.Source != OidcLogin.Source)
        {
            logger.LogWarning("OIDC login as {Username} refused: a {Source} account has that name", username, account.Source);
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
