using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Jobmon.Infrastructure;

/// <summary>
/// Resolves a bearer token (from the Authorization header, or the cookie "Authorization=Bearer ..." the SLURM script
/// sends) to a principal. This is the one place that decides what a token is worth; accounts and API keys plug in here.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    JobmonSettings settings,
    ITokenAuthenticator accounts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "JobmonToken";

    public const string ViaClaim = "jobmon:via";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var (token, viaCookie) = ReadTokenAndSource(Request);
        if (token is null) return AuthenticateResult.NoResult();
        var via = viaCookie ? "cookie" : "header";

        if (settings.AdminToken is { } admin && FixedTimeEquals(token, admin))
            return Success("admin-token", via, Roles.Admin);
        if (settings.IngestToken is { } ingest && FixedTimeEquals(token, ingest))
            return Success("ingest-token", via, Roles.JobControl);
        var caller = await accounts.AuthenticateAsync(token, Context.RequestAborted);
        if (caller is null) return AuthenticateResult.Fail("unknown, expired or revoked token");
        var result = Success(caller.Name, via, caller.Roles);
        if (caller.SessionId is { } sid) result.Principal!.Identities.First()
            .AddClaim(new Claim("jobmon:session", sid.ToString()));
        return result;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "Unauthorized",
            detail: "Sign in, or send a valid token as 'Authorization: Bearer <token>'.",
            extensions: new Dictionary<string, object?> { ["correlationId"] = Context.CorrelationId() })
                .ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 403;
        await Results.Problem(statusCode: 403, title: "Forbidden", detail: "Your role does not allow this.",
            extensions: new Dictionary<string, object?> { ["correlationId"] = Context.CorrelationId() })
                .ExecuteAsync(Context);
    }

    private AuthenticateResult Success(string name, string via, params string[] roles)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(ViaClaim, via) };
        claims.AddRange(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    public static string? ReadToken(HttpRequest request) => ReadTokenAndSource(request).Token;

    public static (string? Token, bool ViaCookie) ReadTokenAndSource(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return (header["Bearer ".Length..].Trim() is { Length: > 0 } t ? t : null, false);
        // cc-slurm-adapter and other ClusterCockpit clients send X-Auth-Token.
        if (request.Headers["X-Auth-Token"].ToString() is { Length: > 0 } x)
            return (x.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? x["Bearer ".Length..].Trim()
                : x.Trim(), false);
        return (ReadCookieToken(request), true);
    }

    private static string? ReadCookieToken(HttpRequest request)
    {
        // The SLURM script sends "Cookie: Authorization=Bearer <token>"; the space makes the value invalid for
        // ASP.NET's strict cookie parser, so the raw header is read as well.
        var cookie = request.Cookies.TryGetValue("Authorization", out var parsed) ? parsed
            : RawCookie(request, "Authorization");
        if (cookie is null) return null;
        cookie = Uri.UnescapeDataString(cookie).Trim('"');
        if (cookie.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return cookie["Bearer ".Length..].Trim() is { Length: > 0 } t ? t : null;
        return null;
    }

    private static string? RawCookie(HttpRequest request, string name)
    {
        foreach (var header in request.Headers.Cookie)
            foreach (var part in (header ?? "").Split(';'))
            {
                var eq = part.IndexOf('=');
                if (eq > 0 && part[..eq].Trim() == name) return part[(eq + 1)..].Trim();
            }
        return null;
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)),
            SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
