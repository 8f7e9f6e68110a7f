using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Jobmon.Overtime;
using Jobmon.Metrics;
using Marten;
using Wolverine;

namespace Jobmon.Admin;


/// <summary>
/// Admin actions with the reason the web UI requires: a body <c>{"reason": "…"}</c> becomes the <c>reason</c> header
/// (<see cref="EventContext.Reason"/>) of every event the action appends, and the history shows it. Scripts that post
/// without a body keep working; a reason that is sent must not be blank.
/// </summary>
public static class AdminJobActions
{
    public static async Task<IResult> RecomputeStatisticsAsync(Guid id, HttpContext http, JobStreamWriter writer,
        IMessageBus bus, CancellationToken ct)
    {
        var (reason, problem) = await ReadReasonAsync(http.Request, ct);
        if (problem is not null) return problem;
        var decision = await writer.WriteAsync(id, EventContext.From(http, "admin") with { Reason = reason },
            (current, _) =>
            current is null
                ? new Decision.Rejected(404, "id", $"job {id} does not exist.")
                : new Decision.Append(id, false, [new JobStatisticsRecomputeRequested(id)], "recompute requested"), ct);
        if (decision is Decision.Rejected) return Problems.NotFound($"job {id} does not exist.");
        await bus.InvokeAsync(new FinalizeJobMetrics(id, Force: true), ct);
        return Results.Accepted($"/api/jobs/{id}");
    }

    public static async Task<IResult> SweepNowAsync(HttpContext http, IMessageBus bus, CancellationToken ct)
    {
        var (reason, problem) = await ReadReasonAsync(http.Request, ct);
        if (problem is not null) return problem;
        // Without a reason (scripts, the old API) the sweep is the sweeper's own, as before; with one it is the
        // admin's.
        var sweep = reason is null ? new SweepOvertimeJobs()
            : new SweepOvertimeJobs(Caller.From(http.User).Name, reason);
        return Results.Ok(await bus.InvokeAsync<SweepResult>(sweep, ct));
    }

    /// <summary>No body: no reason (scripts). A body: a JSON object whose <c>reason</c> is 1–1024 non-blank
    /// characters.</summary>
    public static async Task<(string? Reason, IResult? Problem)> ReadReasonAsync(HttpRequest request,
        CancellationToken ct)
    {
        if (request.ContentLength is null or 0 && !request.Headers.TransferEncoding.Any()) return (null, null);
        var (body, problem) = await JsonBody.ReadAsync(request, ct);
        if (body is null) return (null, problem);
        var reason = body.String("reason", 1024)?.Trim();
        if (string.IsNullOrEmpty(reason)) body.AddError("reason", "is required when a body is sent: say why.");
        return body.Problem() is { } invalid ? (null, invalid) : (reason, null);
    }
}
