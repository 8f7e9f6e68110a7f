using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Jobmon.Infrastructure;

public static class Policies
{
    /// <summary>SLURM scripts and API keys: job-control, or admin (admins count as job-control, as in the
    /// original).</summary>
    public const string Ingest = "ingest";
    public const string Admin = "admin";
    /// <summary>Any signed-in person with the user or admin role.</summary>
    public const string Reader = "reader";
    /// <summary>Anyone signed in, even without a role (to see who they are and to request access).</summary>
    public const string SignedIn = "signed-in";
    /// <summary>Readers, and job-control callers for what ClusterCockpit clients must read (the running jobs); the
    /// endpoint narrows what job-control may ask.</summary>
    public const string ReaderOrIngest = "reader-or-ingest";
}
