using Microsoft.AspNetCore.Identity;

namespace Jobmon.Accounts;

/// <summary>PBKDF2 (ASP.NET Core Identity's v3 format) for our hashes; bcrypt ($2a/$2b/$2y) verified for accounts
/// imported
/// from the original's LocalUsers and upgraded to PBKDF2 at the next successful login.</summary>
public static class Passwords
{
    private static readonly PasswordHasher<object> Hasher = new();

    public static string Hash(string password) => Hasher.HashPassword(null!, password);

    public static (bool Ok, bool NeedsUpgrade) Verify(string? hash, string password)
    {
        if (string.IsNullOrEmpty(hash)) return (false, false);
        if (hash.StartsWith("$2"))
        {
            try { return (BCrypt.Net.BCrypt.Verify(password, hash), true); }
            catch (BCrypt.Net.SaltParseException) { return (false, false); }
        }
        return Hasher.VerifyHashedPassword(null!, hash, password) switch
        {
            PasswordVerificationResult.Success => (true, false),
            PasswordVerificationResult.SuccessRehashNeeded => (true, true),
            _ => (false, false),
        };
    }

    public static string? Weakness(string password) =>
        password.Length < 10 ? "must be at least 10 characters long." : password.Length > 1024
            ? "must be at most 1024 characters long." : null;
}
