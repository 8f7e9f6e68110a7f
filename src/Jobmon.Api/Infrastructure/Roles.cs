using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Jobmon.Infrastructure;

public static class Roles
{
    public const string User = "user";
    public const string Admin = "admin";
    public const string JobControl = "job-control";
    /// <summary>API keys for dashboards and reports: read every job, change nothing.</summary>
    public const string ReadOnly = "read-only";
    public static readonly string[] Assignable = [User, Admin, JobControl];
}
