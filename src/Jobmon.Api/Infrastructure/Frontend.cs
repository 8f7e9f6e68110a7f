using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Jobmon.Infrastructure;

/// <summary>Serves the built web UI (frontend/dist) at / in the one-process local run; nginx does it in the compose stack.</summary>
public static class Frontend
{
    public static string? ResolvePath(JobmonSettings settings)
    {
        if (settings.FrontendPath is { } configured) return Directory.Exists(configured) ? Path.GetFullPath(configured) : null;
        // Walk up from the binaries to the repository's frontend/dist.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "frontend", "dist");
            if (File.Exists(Path.Combine(candidate, "index.html"))) return candidate;
        }
        return null;
    }

    public static IApplicationBuilder UseJobmonFrontend(this IApplicationBuilder app, JobmonSettings settings)
    {
        if (ResolvePath(settings) is not { } path) return app;
        var files = new PhysicalFileProvider(path);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        return app.UseStaticFiles(new StaticFileOptions { FileProvider = files, OnPrepareResponse = SetCacheControl });
    }

    /// <summary>Vite names everything under /assets/ by its content hash, so a name never changes content: cached
    /// for a year. index.html and the rest (favicon) keep their names across deploys: revalidated each time.</summary>
    public static void SetCacheControl(StaticFileResponseContext context) =>
        context.Context.Response.Headers.CacheControl = context.Context.Request.Path.StartsWithSegments("/assets")
            ? "public, max-age=31536000, immutable"
            : "no-cache";

    /// <summary>Client-side routes (/jobs/123) load index.html; unknown /api paths stay 404.</summary>
    public static void MapJobmonFrontendFallback(this WebApplication app, JobmonSettings settings)
    {
        if (ResolvePath(settings) is not { } path) return;
        var index = Path.Combine(path, "index.html");
        app.MapFallback(async context =>
        {
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/auth"))
            {
                context.Response.StatusCode = 404;
                await Results.Problem(statusCode: 404, title: "Not found", detail: "No such API endpoint.").ExecuteAsync(context);
                return;
            }
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.SendFileAsync(index);
        }).AllowAnonymous();
    }
}
