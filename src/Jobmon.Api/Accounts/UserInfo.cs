using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Accounts;

public sealed record UserInfo(string Username, string[] Roles, bool Disabled, string Source, DateTimeOffset CreatedAt,
    DateTimeOffset? LastLogin);
