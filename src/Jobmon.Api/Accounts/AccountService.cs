using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Jobmon.Infrastructure;
using Marten;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Jobmon.Accounts;


public sealed class AccountService(IDocumentStore store, JobmonSettings settings, TimeProvider clock,
    ILogger<AccountService> logger)
    : ITokenAuthenticator
{
    /// <summary>An API key ("jm_..."), a Jobmon session JWT, or a token the original JobMon minted.</summary>
    public async Task<AuthenticatedCaller?> AuthenticateAsync(string token, CancellationToken ct) =>
        token.StartsWith("jm_", StringComparison.Ordinal)
            ? await AuthenticateApiKeyAsync(token, ct)
            : token.Count(c => c == '.') == 2
                ? await AuthenticateJwtAsync(token, ct) ?? await AuthenticateOriginalTokenAsync(token, ct)
                : null;

    public const string Issuer = "jobmon";
    private SymmetricSecurityKey? _key;
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _keyUsageWritten = new();

    public async Task<SymmetricSecurityKey> SigningKeyAsync(CancellationToken ct = default)
    {
        if (_key is not null) return _key;
        string secret;
        if (settings.JwtSecret is { Length: > 0 } configured) secret = configured;
        else
        {
            await using var session = store.LightweightSession();
            var doc = await session.LoadAsync<JwtSecretDocument>("jwt", ct);
            if (doc is null)
            {
                doc = new JwtSecretDocument { Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)) };
                session.Insert(doc);
                try { await session.SaveChangesAsync(ct); }
                catch (Exception) // another replica generated it first
                {
                    await using var again = store.QuerySession();
                    doc = await again.LoadAsync<JwtSecretDocument>("jwt", ct)
                        ?? throw new InvalidOperationException("JWT secret missing");
                }
                logger.LogInformation("Generated the JWT signing secret (kept in PostgreSQL; set JOBMON_JWT_SECRET " +
                    "to choose one)");
            }
            secret = doc.Secret;
        }
        return _key = new SymmetricSecurityKey(SHA256.HashData(Encoding.UTF8.GetBytes(secret))) { KeyId = "jobmon" };
    }

    public async Task<(string Jwt, UserSession Session)> IssueSessionAsync(UserAccount account, string client,
        CancellationToken ct, string method = "password")
    {
        var now = clock.GetUtcNow();
        var session = new UserSession
        {
            Id = Guid.CreateVersion7(), AccountId = account.Id, Username = account.Username, CreatedAt = now,
            ExpiresAt = now + settings.SessionLifetime, Client = client.Length > 200 ? client[..200] : client,
        };
        await using (var docs = store.LightweightSession())
        {
            docs.Store(session);
            docs.Events.Append(account.Id, new UserLoggedIn(account.Id, now, method));
            await docs.SaveChangesAsync(ct);
        }
        var jwt = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer, Audience = Issuer, IssuedAt = now.UtcDateTime, NotBefore = now.UtcDateTime, Expires =
                session.ExpiresAt.UtcDateTime,
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Jti] = session.Id.ToString(),
                [JwtRegisteredClaimNames.Sub] = account.Username },
            SigningCredentials = new SigningCredentials(await SigningKeyAsync(ct), SecurityAlgorithms.HmacSha256),
        });
        return (jwt, session);
    }

    /// <summary>A session JWT is only as good as its session row and its account right now: roles and disabling take
    /// effect on the next request; logout revokes at once.</summary>
    public async Task<AuthenticatedCaller?> AuthenticateJwtAsync(string token, CancellationToken ct)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer, ValidAudience = Issuer, IssuerSigningKey = await SigningKeyAsync(ct),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256], RequireSignedTokens = true, RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt
            || !Guid.TryParse(jwt.Id, out var sessionId)) return null;
        await using var query = store.QuerySession();
        var session = await query.LoadAsync<UserSession>(sessionId, ct);
        if (session is null || session.Revoked || session.ExpiresAt < clock.GetUtcNow()) return null;
        var account = await query.LoadAsync<UserAccount>(session.AccountId, ct);
        if (account is null || account.Disabled) return null;
        return new AuthenticatedCaller(account.Username, account.Roles, "session", SessionId: session.Id);
    }

    public static string NewApiKeyToken(Guid keyId, out string secretHash)
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        secretHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        return $"jm_{keyId:N}_{secret}";
    }

    public async Task<AuthenticatedCaller?> AuthenticateApiKeyAsync(string token, CancellationToken ct)
    {
        var parts = token.Split('_');
        if (parts.Length != 3 || parts[0] != "jm" || !Guid.TryParseExact(parts[1], "N", out var keyId)
            || parts[2].Length != 64) return null;
        await using var query = store.QuerySession();
        var key = await query.LoadAsync<ApiKey>(keyId, ct);
        if (key is null || key.Revoked) return null;
        var now = clock.GetUtcNow();
        if (key.ExpiresAt is { } expires && expires < now) return null;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(parts[2]));
        if (!CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(key.SecretHash))) return null;
        await NoteKeyUsageAsync(keyId, now, ct);
        var roles = key.Role == ApiKeyRoles.JobControl ? new[] { Roles.JobControl } : [Roles.ReadOnly];
        return new AuthenticatedCaller($"apikey:{key.Name}", roles, "apikey", KeyId: key.Id);
    }

    /// <summary>
    /// A token the original JobMon minted for its job-control user (its SLURM script's API key), accepted when the
    /// original's config.json is loaded so a site keeps its script and token through the switch. Only job-control
    /// tokens count (the original's 24-hour browser sessions do not), and they grant ingestion only. Each token is
    /// kept as an API key with source "original" (registered by the database import or at its first use), so it is
    /// listed under Settings → API keys and revoked like any key (an ApiKeyRevoked event).
    /// </summary>
    public async Task<AuthenticatedCaller?> AuthenticateOriginalTokenAsync(string token, CancellationToken ct)
    {
        if (settings.OriginalConfig?.JWTSecret is not { Length: > 0 } secret) return null;
        var now = clock.GetUtcNow();
        var claims = Jobmon.Compat.OriginalTokens.Validate(token, secret, now);
        if (claims is null || !claims.Roles.Contains(Roles.JobControl)) return null;
        var keyId = Jobmon.Compat.OriginalTokens.KeyIdOf(token);
        await using (var query = store.QuerySession())
        {
            var key = await query.LoadAsync<ApiKey>(keyId, ct);
            if (key is not null)
            {
                if (key.Revoked || key.ExpiresAt is { } expires && expires < now) return null;
                await NoteKeyUsageAsync(keyId, now, ct);
                return new AuthenticatedCaller($"original:{claims.Username}", [Roles.JobControl], "original-token",
                    KeyId: keyId);
            }
        }
        // Once import-original has read the original's user_sessions, the tokens listed there are the only live
        // ones (the original accepted only the latest token per user); an older token stays refused.
        await using (var query = store.QuerySession())
            if (await query.LoadAsync<OriginalSessionsImported>(OriginalSessionsImported.DocumentId, ct) is not null)
            {
                logger.LogWarning("Refused an original JobMon token of {Username} (issued {IssuedAt:u}): not among " +
                    "the original's sessions the import found",
                    claims.Username, claims.IssuedAt);
                return null;
            }
        await RegisterOriginalTokenAsync(token, claims, "first use", ct);
        logger.LogInformation("Accepted the original JobMon's token of {Username} (issued {IssuedAt:u}) for the " +
            "first time; listed under Settings → API keys",
            claims.Username, claims.IssuedAt);
        await NoteKeyUsageAsync(keyId, now, ct);
        return new AuthenticatedCaller($"original:{claims.Username}", [Roles.JobControl], "original-token",
            KeyId: keyId);
    }

    /// <summary>Keeps an original token as an API key with source "original"; false when it is already kept.</summary>
    public async Task<bool> RegisterOriginalTokenAsync(string token, Jobmon.Compat.OriginalTokenClaims claims,
        string how, CancellationToken ct)
    {
        var keyId = Jobmon.Compat.OriginalTokens.KeyIdOf(token);
        await using var session = store.LightweightSession();
        session.SetHeader("source", Jobmon.Compat.OriginalTokens.Source);
        session.SetHeader("causedBy", how);
        var name = $"original: {claims.Username}" + (claims.IssuedAt is { } iat ? $" (issued {iat:yyyy-MM-dd HH:mm})"
            : "");
        session.Events.StartStream<ApiKey>(keyId, new ApiKeyCreated(keyId, name, ApiKeyRoles.JobControl,
            Jobmon.Compat.OriginalTokens.HashOf(token),
            $"original JobMon ({how})", claims.ExpiresAt, Jobmon.Compat.OriginalTokens.Source));
        try { await session.SaveChangesAsync(ct); return true; }
        // another request or replica registered it first
        catch (Exception e) when (IsStreamCollision(e)) { return false; }
    }

    private static bool IsStreamCollision(Exception e) =>
        e is Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException
        || Jobmon.Infrastructure.DatabaseErrors.IsUniqueViolation(e)
            || (e.InnerException is { } inner && IsStreamCollision(inner));

    private async Task NoteKeyUsageAsync(Guid keyId, DateTimeOffset now, CancellationToken ct)
    {
        if (_keyUsageWritten.TryGetValue(keyId, out var written) && now - written <= TimeSpan.FromMinutes(1)) return;
        _keyUsageWritten[keyId] = now;
        await using var docs = store.LightweightSession();
        docs.Store(new ApiKeyUsage { Id = keyId, LastUsedAt = now });
        await docs.SaveChangesAsync(ct);
    }

    public async Task<UserAccount?> FindAsync(string username, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.Query<UserAccount>().Where(a => a.Username == username && !a.Deleted)
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>On first start an admin exists: JOBMON_ADMIN_PASSWORD, or a generated password printed once.</summary>
    public async Task EnsureBootstrapAdminAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        if (await session.Query<UserAccount>().AnyAsync(a => !a.Deleted && a.Roles.Contains(Roles.Admin), ct)) return;
        var password = settings.AdminPassword;
        var generated = password is null;
        password ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('/', 'x').Replace('+', 'y');
        var id = Guid.CreateVersion7();
        session.Events.StartStream<UserAccount>(id, new UserCreated(id, "admin", [Roles.Admin], "local",
            Passwords.Hash(password), "bootstrap"));
        session.SetHeader("causedBy", "bootstrap");
        try { await session.SaveChangesAsync(ct); }
        // another replica created it
        catch (Exception e) when (Jobmon.Infrastructure.DatabaseErrors.IsUniqueViolation(e)) { return; }
        if (generated)
            Console.WriteLine($"\n*** Jobmon bootstrap: created account 'admin' with password: {password}\n*** " +
                "(shown once; set JOBMON_ADMIN_PASSWORD to choose it)\n");
        else
            logger.LogInformation("Created the bootstrap account 'admin' with the password from JOBMON_ADMIN_PASSWORD");
    }
}
