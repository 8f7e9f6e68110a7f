using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Jobmon.Tests.Infrastructure;

/// <summary>
/// A small but real OpenID Connect provider on a loopback port: discovery, JWKS (an RSA key made here), an
/// authorization endpoint that approves at once (as <see cref="NextUser"/>), a token endpoint that checks the code,
/// the client secret and the PKCE verifier (S256) and returns an RS256 ID token, and userinfo. It can be told to
/// misbehave, to show that Jobmon refuses what a broken or hostile provider sends.
/// </summary>
public sealed class TestOidcProvider : IAsyncDisposable
{
    public const string ClientId = "jobmon-test-client";
    public const string ClientSecret = "provider-client-secret-0123456789";

    public enum Misbehaviour { None, RejectPkceVerifier, BadSignature, WrongAudience, WrongIssuer, WrongNonce, Expired }

    private sealed record Grant(string User, string? Nonce, string Challenge, string RedirectUri);

    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "test-key-1" };
    private readonly RsaSecurityKey _rogueKey = new(RSA.Create(2048)) { KeyId = "test-key-1" }; // same kid, never published
    private readonly ConcurrentDictionary<string, Grant> _codes = new();
    private readonly ConcurrentDictionary<string, string> _accessTokens = new();

    public string Issuer { get; private set; } = "";
    /// <summary>Who the next authorization is for.</summary>
    public string NextUser { get; set; } = "oidc-user";
    public Misbehaviour Misbehave { get; set; }
    /// <summary>Leave the username out of the ID token (userinfo still has it).</summary>
    public bool UsernameOnlyInUserinfo { get; set; }
    /// <summary>What the provider saw, for assertions: "authorize ...", "token ...", "userinfo ...".</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    private TestOidcProvider(WebApplication app) => _app = app;

    public static async Task<TestOidcProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var provider = new TestOidcProvider(builder.Build());
        provider.Map();
        await provider._app.StartAsync();
        provider.Issuer = provider._app.Urls.Single().TrimEnd('/');
        return provider;
    }

    private void Map()
    {
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["authorization_endpoint"] = $"{Issuer}/authorize",
            ["token_endpoint"] = $"{Issuer}/token",
            ["userinfo_endpoint"] = $"{Issuer}/userinfo",
            ["jwks_uri"] = $"{Issuer}/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["scopes_supported"] = new[] { "openid", "profile", "email" },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
        }));

        _app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(_key);
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = _key.KeyId, n = jwk.N, e = jwk.E } } });
        });

        _app.MapGet("/authorize", (HttpRequest request) =>
        {
            var q = request.Query;
            Log.Enqueue($"authorize client_id={q["client_id"]} response_type={q["response_type"]} code_challenge_method={q["code_challenge_method"]} " +
                        $"has_challenge={!string.IsNullOrEmpty(q["code_challenge"])} has_nonce={!string.IsNullOrEmpty(q["nonce"])} scope={q["scope"]}");
            if (q["client_id"] != ClientId || q["response_type"] != "code" || q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"])
                || string.IsNullOrEmpty(q["redirect_uri"]) || string.IsNullOrEmpty(q["state"]))
                return Results.BadRequest(new { error = "invalid_request" });
            var challenge = q["code_challenge"].ToString();
            if (Misbehave == Misbehaviour.RejectPkceVerifier) challenge = S256(Random()); // as if another client had started this login
            var code = Random();
            _codes[code] = new Grant(NextUser, q["nonce"], challenge, q["redirect_uri"]!);
            return Results.Redirect($"{q["redirect_uri"]}?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(q["state"]!)}");
        });

        _app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var (clientId, secret) = ((string?)form["client_id"], (string?)form["client_secret"]);
            if (request.Headers.Authorization.ToString() is { } basic && basic.StartsWith("Basic "))
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(basic[6..])).Split(':', 2);
                (clientId, secret) = (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
            }
            var verifier = form["code_verifier"].ToString();
            var codeKnown = _codes.TryRemove(form["code"].ToString(), out var grant); // single use
            var verifierOk = codeKnown && verifier.Length >= 43 && S256(verifier) == grant!.Challenge;
            Log.Enqueue($"token grant_type={form["grant_type"]} client_ok={clientId == ClientId && secret == ClientSecret} code_known={codeKnown} verifier_ok={verifierOk}");
            if (clientId != ClientId || secret != ClientSecret) return Results.Json(new { error = "invalid_client" }, statusCode: 401);
            if (form["grant_type"] != "authorization_code" || !codeKnown || grant!.RedirectUri != form["redirect_uri"])
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            if (!verifierOk) return Results.Json(new { error = "invalid_grant", error_description = "PKCE verification failed" }, statusCode: 400);

            var accessToken = Random();
            _accessTokens[accessToken] = grant.User;
            return Results.Json(new { access_token = accessToken, token_type = "Bearer", expires_in = 300, id_token = IdToken(grant) });
        });

        _app.MapGet("/userinfo", (HttpRequest request) =>
        {
            var header = request.Headers.Authorization.ToString();
            Log.Enqueue($"userinfo bearer={header.StartsWith("Bearer ")}");
            if (!header.StartsWith("Bearer ") || !_accessTokens.TryGetValue(header[7..], out var user)) return Results.Unauthorized();
            return Results.Json(new { sub = Subject(user), preferred_username = user, email = $"{user}@example.org", name = user });
        });
    }

    private string IdToken(Grant grant)
    {
        var now = DateTime.UtcNow;
        var expired = Misbehave == Misbehaviour.Expired;
        var claims = new Dictionary<string, object> { ["sub"] = Subject(grant.User), ["email"] = $"{grant.User}@example.org" };
        if (!UsernameOnlyInUserinfo) claims["preferred_username"] = grant.User;
        var nonce = Misbehave == Misbehaviour.WrongNonce ? Random() : grant.Nonce;
        if (nonce is not null) claims["nonce"] = nonce;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Misbehave == Misbehaviour.WrongIssuer ? "http://127.0.0.1:1/not-the-issuer" : Issuer,
            Audience = Misbehave == Misbehaviour.WrongAudience ? "another-client" : ClientId,
            IssuedAt = expired ? now.AddHours(-2) : now,
            NotBefore = expired ? now.AddHours(-2) : now.AddSeconds(-5),
            Expires = expired ? now.AddHours(-1) : now.AddMinutes(5),
            Claims = claims,
            SigningCredentials = new SigningCredentials(Misbehave == Misbehaviour.BadSignature ? _rogueKey : _key, SecurityAlgorithms.RsaSha256),
        });
    }

    private static string Subject(string user) => $"sub-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user)))[..16]}";
    private static string Random() => Base64Url(RandomNumberGenerator.GetBytes(32));
    public static string S256(string verifier) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
