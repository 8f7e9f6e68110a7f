namespace Jobmon.Infrastructure;

/// <summary>Security headers on every response, and CSRF protection for cookie-authenticated state changes.</summary>
public static class WebSecurity
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
        => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var h = context.Response.Headers;
            h["X-Content-Type-Options"] = "nosniff";
            h["X-Frame-Options"] = "DENY";
            h["Referrer-Policy"] = "same-origin";
            h["Content-Security-Policy"] = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
                "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; " +
                "form-action 'self'; frame-ancestors 'none'";
            if (context.Request.IsHttps) h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains";
            return Task.CompletedTask;
        });
        await next();
    });

    /// <summary>
    /// A browser sends the session cookie on cross-site requests too. State-changing requests authenticated by the
    /// cookie must therefore come from our own origin: browsers say so in Sec-Fetch-Site / Origin. Scripts (curl, the
    /// SLURM script) send neither header and are not browsers, so they pass; bearer-header requests cannot be forged
    /// cross-site at all.
    /// </summary>
    public static IApplicationBuilder UseCsrfProtection(this IApplicationBuilder app)
        => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var unsafeMethod = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
            || HttpMethods.IsOptions(request.Method));
        if (unsafeMethod && context.User.FindFirst(TokenAuthenticationHandler.ViaClaim)?.Value == "cookie"
            && !SameOrigin(request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await Results.Problem(statusCode: 403, title: "Cross-site request refused",
                detail: "State-changing requests with the session cookie must come from Jobmon's own pages.",
                extensions: new Dictionary<string, object?> { ["correlationId"] = context.CorrelationId() })
                    .ExecuteAsync(context);
            return;
        }
        await next();
    });

    private static bool SameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none")) return false;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && origin != "null")
            return Uri.TryCreate(origin, UriKind.Absolute, out var o)
                && string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
        return origin != "null";
    }
}
