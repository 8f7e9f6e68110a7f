using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Jobmon.Infrastructure;

public static class AuthSetup
{
    public static IServiceCollection AddJobmonAuth(this IServiceCollection services)
    {
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName,
                _ => { });
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Ingest, p => p.RequireRole(Roles.JobControl, Roles.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Reader, p => p.RequireRole(Roles.User, Roles.Admin, Roles.ReadOnly))
            .AddPolicy(Policies.SignedIn, p => p.RequireAuthenticatedUser())
            .AddPolicy(Policies.ReaderOrIngest, p => p.RequireRole(Roles.User, Roles.Admin, Roles.ReadOnly,
                Roles.JobControl));
        return services;
    }
}
