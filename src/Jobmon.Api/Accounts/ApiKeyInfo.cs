using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Accounts;

/// <param name="Source">"original" for a token the original JobMon minted; null for Jobmon's own keys.</param>
public sealed record ApiKeyInfo(Guid Id, string Name, string Role, string CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, bool Revoked, string? Source = null);
