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
        services.AddOptions<KeyManagementOptions>().Configure<IDocumentStore>((o, store) => o.XmlRepository =
            new MartenXmlRepository(store));

        services.AddAuthentication()
            .AddCookie(SignInScheme, o =>
            {
                // Required by the remote handler as its SignInScheme; OnTicketReceived always handles the response
                // first.
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
                        if (oidc.RedirectUrl is { Length: > 0 } redirect)
                            context.ProtocolMessage.RedirectUri = redirect;
                        return Task.CompletedTask;
                    },
                    OnTicketReceived = context => context.HttpContext.RequestServices.GetRequiredService<OidcAccounts>()
                        .CompleteLoginAsync(context),
                    OnRemoteFailure = async context =>
                    {
                        // Provider errors, a refused code exchange (e.g. PKCE), invalid ID tokens, replayed or forged
                        // callbacks.
                        context.HttpContext.RequestServices.GetRequiredService<ILogger<OidcAccounts>>()
                            .LogWarning(context.Failure, "OIDC login failed from {Address}",
                                context.HttpContext.Connection.RemoteIpAddress);
                        context.HandleResponse();
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        await Results.Problem(statusCode: 401, title: "OIDC login failed",
                            detail: "The sign-in with the identity provider could not be completed. Start again from " +
                                "the login page.",
                            extensions: new Dictionary<string,
                                object?> { ["correlationId"] = context.HttpContext.CorrelationId() })
                            .ExecuteAsync(context.HttpContext);
                    },
                };
            });
        return services;
    }

    public static IEndpointRouteBuilder MapOidcLogin(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/auth/methods", (JobmonSettings settings) => Results.Ok(
            new AuthMethods(true, settings.Oidc.Enabled)))
            .AllowAnonymous().WithTags("Sessions")
                .WithSummary("Which logins this server offers (the UI shows 'Login with OIDC' when oidc is true).");
        // The callback (/auth/oauth/callback) is not an endpoint: the OpenIdConnect handler answers it in
        // UseAuthentication.
        app.MapGet(LoginPath, (JobmonSettings settings) => settings.Oidc.Enabled
                ? Results.Challenge(new AuthenticationProperties { RedirectUri = settings.Oidc.AfterLoginRedirect },
                    [Scheme])
                : Problems.NotFound("OIDC login is not configured on this server."))
            .AllowAnonymous().RequireRateLimiting(AccountEndpoints.LoginRateLimit).WithTags("Sessions")
            .WithSummary("Starts the OIDC login (authorization code + PKCE); ends in the session cookie and a " +
                "redirect to the UI.");
        return app;
    }
}
