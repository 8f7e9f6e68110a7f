using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Accounts;

/// <summary>OIDC login, access requests and admin mail: one call each from Program.cs and AccountsSlice.</summary>
public static class SignInSetup
{
    public static IServiceCollection AddJobmonSignIn(this IServiceCollection services, JobmonSettings settings)
    {
        services.AddJobmonOidc(settings);
        services.AddSingleton<SmtpMailer>();
        return services;
    }

    public static IEndpointRouteBuilder MapJobmonSignIn(this IEndpointRouteBuilder app)
    {
        app.MapOidcLogin();
        app.MapAccessRequests();
        return app;
    }

    public static void ConfigureMarten(StoreOptions opts)
    {
        AccessRequests.ConfigureMarten(opts);
        opts.Schema.For<DataProtectionKeyDocument>().Identity(x => x.Id);
    }
}
