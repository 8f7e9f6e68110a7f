namespace Jobmon.DropIn;

/// <summary>The DropIn slice: the original's config.json imported at start-up and on request, and the database
/// import (the import-original command).</summary>
public static class DropInSlice
{
    public static IServiceCollection AddDropIn(this IServiceCollection services)
    {
        services.AddHostedService<OriginalConfigStartupImport>();
        services.AddSingleton<OriginalDatabaseImport>();
        return services;
    }

    public static IEndpointRouteBuilder MapDropIn(this IEndpointRouteBuilder app) => app.MapOriginalConfigImport();
}
