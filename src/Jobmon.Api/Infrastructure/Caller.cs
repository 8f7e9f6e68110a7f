using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Jobmon.Infrastructure;

/// <summary>The caller as the rest of the code sees it.</summary>
public sealed record Caller(string Name, bool IsAdmin, bool CanIngest, bool SeesAllJobs, bool ReadOnly)
{
    public static Caller From(ClaimsPrincipal principal) => new(
        principal.Identity?.Name ?? "anonymous",
        principal.IsInRole(Roles.Admin),
        principal.IsInRole(Roles.Admin) || principal.IsInRole(Roles.JobControl),
        principal.IsInRole(Roles.Admin) || principal.IsInRole(Roles.ReadOnly),
        principal.IsInRole(Roles.ReadOnly) && !principal.IsInRole(Roles.Admin));
}
