using System.Collections.Concurrent;
using System.Threading.Channels;
using Jobmon.Infrastructure;

namespace Jobmon.Operations;

public static class LiveLogEndpoints
{
    private static string Json(LogLine line) =>
        System.Text.Json.JsonSerializer.Serialize(line, System.Text.Json.JsonSerializerOptions.Web);

    public static IServiceCollection AddLiveLog(this IServiceCollection services, ILoggingBuilder logging)
    {
        var buffer = new LiveLogBuffer();
        services.AddSingleton(buffer);
        logging.AddProvider(new LiveLogProvider(buffer));
        return services;
    }

    public static IEndpointRouteBuilder MapLiveLog(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/admin/logs", (LiveLogBuffer buffer, int? count) => Results.Ok(buffer.Recent(count ?? 100)))
            .RequireAuthorization(Policies.Admin).WithTags("Administration")
                .WithSummary("The last log lines of this replica.");
        app.MapGet("/api/admin/logs/live", async (HttpContext http, LiveLogBuffer buffer, CancellationToken ct) =>
        {
            http.Response.Headers.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            var reader = buffer.Watch(out var stop);
            try
            {
                foreach (var line in buffer.Recent(25))
                    await http.Response.WriteAsync($"data: {Json(line)}\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
                await foreach (var line in reader.ReadAllAsync(ct))
                {
                    await http.Response.WriteAsync($"data: {Json(line)}\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                }
            }
            catch (OperationCanceledException) { }
            finally { stop(); }
        }).RequireAuthorization(Policies.Admin).WithTags("Administration")
            .WithSummary("Live log (Server-Sent Events): the last 25 lines, then new ones.");
        return app;
    }
}
