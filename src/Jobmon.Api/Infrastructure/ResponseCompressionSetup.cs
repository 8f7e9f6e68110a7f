using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace Jobmon.Infrastructure;

/// <summary>Brotli or gzip for text answers (the UI's script, styles, HTML, JSON) when the client accepts it. Only
/// over plain HTTP (ops/run, behind the compose proxy): over HTTPS compressing answers that hold secrets invites
/// BREACH. Event streams are not in the list, so live answers are never held back by a compressor.</summary>
public static class ResponseCompressionSetup
{
    public static IServiceCollection AddJobmonResponseCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = false;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                "application/problem+json", "image/svg+xml", "application/manifest+json"];
        });
        // The UI's assets are compressed once per browser (they are cached for a year), so spend a little more CPU.
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        return services;
    }
}
