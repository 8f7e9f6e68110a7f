using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;

namespace Jobmon.Infrastructure;

/// <summary>Correlation ids, RFC 7807 problem details and the last-resort exception handler.</summary>
public static class Problems
{
    public const string CorrelationHeader = "X-Correlation-Id";
    private const string CorrelationItem = "jobmon.correlation";

    public static string CorrelationId(this HttpContext context) =>
        context.Items.TryGetValue(CorrelationItem, out var id) && id is string s ? s : context.TraceIdentifier;

    /// <summary>Accepts a caller's correlation id when it is short and plain, else makes one.</summary>
    public static IApplicationBuilder UseCorrelationIds(this IApplicationBuilder app)
        => app.Use(async (context, next) =>
    {
        var given = context.Request.Headers[CorrelationHeader].ToString();
        var id = given.Length is > 0 and <= 64 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? given
            : Guid.NewGuid().ToString("N");
        context.Items[CorrelationItem] = id;
        context.Response.Headers[CorrelationHeader] = id;
        Activity.Current?.SetTag("correlation_id", id);
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Jobmon.Requests");
        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id }))
            await next();
    });

    public static IServiceCollection AddJobmonProblemDetails(this IServiceCollection services) =>
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Extensions["correlationId"] = ctx.HttpContext.CorrelationId();
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
        });

    /// <summary>Unexpected faults: logged with the correlation id, answered with a 500 that reveals no
    /// internals.</summary>
    public static IApplicationBuilder UseJobmonExceptionHandler(this IApplicationBuilder app) =>
        app.UseExceptionHandler(errorApp => errorApp.Run(async context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Jobmon.Errors");
            var correlationId = context.CorrelationId();
            if (DatabaseErrors.IsUnavailable(error))
            {
                // An outage, not a bug: 503 with Retry-After naming the dependency; stale pooled connections are
                // dropped.
                logger.LogWarning("PostgreSQL unavailable {CorrelationId} on {Method} {Path}: {Message}",
                    correlationId, context.Request.Method, context.Request.Path, error!.Message);
                DatabaseErrors.ClearPools(context.RequestServices);
                await Unavailable(context, "postgresql", "PostgreSQL is unavailable", correlationId);
                return;
            }
            var (status, title) = error switch
            {
                BadHttpRequestException bad => (bad.StatusCode, "The request could not be read."),
                OperationCanceledException when context.RequestAborted.IsCancellationRequested
                    => (499, "Client closed the request."),
                _ => (StatusCodes.Status500InternalServerError,
                    "An unexpected error occurred. Quote the correlation id when reporting it."),
            };
            if (status >= 500)
            {
                logger.LogError(error, "Unhandled error {CorrelationId} on {Method} {Path}", correlationId,
                    context.Request.Method, context.Request.Path);
                context.RequestServices.GetService<JobmonTelemetry>()?.Errors.Add(1);
            }
            context.Response.StatusCode = status;
            await Results.Problem(statusCode: status, title: title,
                extensions: new Dictionary<string, object?> { ["correlationId"] = correlationId })
                    .ExecuteAsync(context);
        }));

    /// <summary>Problem type of an unavailable dependency (<c>postgresql</c>, <c>influxdb</c>).</summary>
    public static string UnavailableType(string dependency) => $"https://jobmon.dev/problems/{dependency}-unavailable";

    public static Task Unavailable(HttpContext context, string dependency, string title, string correlationId,
        int retryAfterSeconds = 5)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(
            System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: 503, title: title, type: UnavailableType(dependency),
            detail: "A service Jobmon depends on cannot be reached; retry later.",
            extensions: new Dictionary<string, object?> { ["correlationId"] = correlationId, ["dependency"] =
                dependency }).ExecuteAsync(context);
    }

    public static IResult Validation(IDictionary<string, string[]> errors) =>
        Results.ValidationProblem(errors, title: "The request has invalid fields.");

    public static IResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Conflict(string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail,
            extensions: extensions);

    public static IResult NotFound(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static IResult Forbidden(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);
}
