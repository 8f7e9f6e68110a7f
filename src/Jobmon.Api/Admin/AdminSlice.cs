using Jobmon.Infrastructure;
using Jobmon.Overtime;

namespace Jobmon.Admin;

/// <summary>The Admin slice's registration: projection status and rebuilds, recompute and sweep actions.</summary>
public static class AdminSlice
{
    public static IServiceCollection AddAdmin(this IServiceCollection services) => services.AddProjectionAdmin();

    public static WebApplication MapAdmin(this WebApplication app)
    {
        app.MapPost("/api/admin/jobs/{id:guid}/statistics", AdminJobActions.RecomputeStatisticsAsync)
            .RequireAuthorization(Policies.Admin).WithTags("Administration").ProducesProblem(404)
            .ProducesValidationProblem()
            .WithSummary("Recompute a finished job's statistics, archive and classification now. Body (optional): "
                         + "{reason}, recorded as JobStatisticsRecomputeRequested.");
        app.MapPost("/api/admin/sweep", AdminJobActions.SweepNowAsync).Produces<SweepResult>()
            .ProducesValidationProblem()
            .RequireAuthorization(Policies.Admin).WithTags("Administration")
            .WithSummary("Run the overtime sweeper now. Body (optional): {reason}, recorded on the events it appends.");
        app.MapProjectionAdmin();
        return app;
    }
}
