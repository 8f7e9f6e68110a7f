using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Jobmon.Infrastructure;
using Marten;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Jobmon.Accounts;

/// <summary>The JWT signing secret: configured (JWTSecret / JOBMON_JWT_SECRET) or generated once and kept in
/// PostgreSQL so every replica signs and validates with the same key.</summary>
public sealed class JwtSecretDocument
{
    public string Id { get; set; } = "jwt";
    public string Secret { get; set; } = "";
}
