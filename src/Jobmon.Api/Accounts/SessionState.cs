using System.Security.Claims;
using Jobmon.Infrastructure;

namespace Jobmon.Accounts;

/// <summary>Who the browser is signed in as, or nobody.</summary>
public sealed record SessionInfo(bool SignedIn, Me? User);

/// <summary><c>GET /api/session</c>: 200 whether or not the caller is signed in. The UI asks this on every start;
/// <c>/api/me</c>'s 401 for a signed-out browser is correct for API clients but makes Chromium log a console error
/// on the login page for an answer that is expected.</summary>
public static class SessionState
{
    public static IEndpointRouteBuilder MapSessionState(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/session", (HttpContext http) => Results.Ok(http.User.Identity?.IsAuthenticated == true
                ? new SessionInfo(true, new Me(Caller.From(http.User).Name,
                    http.User.Claims.Where(c => c.Type == ClaimTypes.Role).Select(c => c.Value).ToArray()))
                : new SessionInfo(false, null)))
            .AllowAnonymous().WithTags("Sessions")
            .WithSummary("The signed-in user ({signedIn: true, user}) or {signedIn: false}; never 401.")
            .Produces<SessionInfo>();
        return app;
    }
}
