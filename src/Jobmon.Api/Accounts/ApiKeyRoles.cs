using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Jobmon.Infrastructure;
using Marten;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Jobmon.Accounts;

public static class ApiKeyRoles
{
    public const string JobControl = "job-control";
    public const string ReadOnly = "read-only";
}
