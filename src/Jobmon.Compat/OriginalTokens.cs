using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Jobmon.Compat;

/// <summary>The claims of a token the original JobMon minted (backend/auth: UserInfo {Roles, Username} embedded in
/// jwt.RegisteredClaims {iss, exp, iat}).</summary>
public sealed record OriginalTokenClaims(string Username, string[] Roles, DateTimeOffset? IssuedAt,
    DateTimeOffset? ExpiresAt);

/// <summary>
/// Validates the original JobMon's JWTs exactly as its Go backend does (golang-jwt v4 with
/// <c>WithValidMethods(["HS256"])</c>, key = the raw bytes of config.json's <c>JWTSecret</c>, issuer
/// "monitoring-backend" required, exp/nbf/iat checked when present). Written by hand rather than with
/// Microsoft.IdentityModel, which refuses HMAC keys shorter than 256 bits — and the original's secrets often are.
/// </summary>
public static class OriginalTokens
{
    public const string Issuer = "monitoring-backend";
    public const string Source = "original";

    public static OriginalTokenClaims? Validate(string token, string secret, DateTimeOffset now)
    {
        if (secret.Length == 0) return null;
        var parts = token.Split('.');
        if (parts.Length != 3) return null;
        try
        {
            using var header = JsonDocument.Parse(Base64Url(parts[0]));
            if (!header.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String
                || alg.GetString() != "HS256") return null;
            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
                Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"));
            if (!CryptographicOperations.FixedTimeEquals(expected, Base64Url(parts[2]))) return null;

            using var payload = JsonDocument.Parse(Base64Url(parts[1]));
            var claims = payload.RootElement;
            if (claims.ValueKind != JsonValueKind.Object) return null;
            if (!claims.TryGetProperty("iss", out var iss) || iss.ValueKind != JsonValueKind.String
                || iss.GetString() != Issuer) return null;
            var exp = Time(claims, "exp");
            var nbf = Time(claims, "nbf");
            var iat = Time(claims, "iat");
            if (exp is { } e && now >= e) return null;
            if (nbf is { } n && now < n) return null;
            if (iat is { } i && now < i) return null;
            // Go's decoder matches keys case-insensitively; the original writes "Username" and "Roles".
            string? username = null;
            var roles = new List<string>();
            foreach (var p in claims.EnumerateObject())
            {
                if (p.Name.Equals("Username", StringComparison.OrdinalIgnoreCase)
                    && p.Value.ValueKind == JsonValueKind.String) username = p.Value.GetString();
                if (p.Name.Equals("Roles", StringComparison.OrdinalIgnoreCase)
                    && p.Value.ValueKind == JsonValueKind.Array)
                    roles.AddRange(p.Value.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String)
                        .Select(r => r.GetString()!));
            }
            return string.IsNullOrEmpty(username) ? null : new OriginalTokenClaims(username, roles.ToArray(), iat, exp);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The API key id under which Jobmon keeps an original token (for listing and revocation): derived from
    /// the token's hash, so every replica and every import names the same token the same way.</summary>
    public static Guid KeyIdOf(string token)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("original-token:" + token));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    public static string HashOf(string token) => Convert.ToHexStringLower(
        SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static DateTimeOffset? Time(JsonElement claims, string name) =>
        claims.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var seconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : null;

    private static byte[] Base64Url(string s)
    {
        var padded = s.Replace('-', '+').Replace('_', '/');
        padded += (padded.Length % 4) switch { 2 => "==", 3 => "=", 0 => "",
            _ => throw new FormatException("bad base64url length") };
        return Convert.FromBase64String(padded);
    }
}
