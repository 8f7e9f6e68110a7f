using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Writing;
using Jobmon.Jobs.Querying;
using Marten;

namespace Jobmon.Jobs.Tagging;

/// <summary>Tags (owner or admin) and admin metadata corrections: appended as events on the job's stream.</summary>
public static class JobCommands
{
    public static readonly Regex TagName = new(@"^[\p{L}\p{N}][\p{L}\p{N} ._:/+-]{0,63}$", RegexOptions.Compiled);

    public static IEndpointRouteBuilder MapJobCommands(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs/{id:guid}").RequireAuthorization(Policies.Reader).WithTags("Jobs");
        jobs.MapPost("/tags", AddTag)
            .WithSummary("Tag a job (owner or admin). Body: {name, visibility: private|public}.");
        jobs.MapDelete("/tags/{name}", RemoveTag)
            .WithSummary("Remove a tag (its creator, the job's owner or an admin; automatic findings: admins only).");
        jobs.MapPatch("/metadata", Correct).RequireAuthorization(Policies.Admin)
            .WithSummary("Admin correction of metadata with a mandatory reason. Body: {reason, jobName?, account?, " +
                "group?, jobScript?, numTasks?, gpusPerNode?}.");
        return app;
    }

    private static async Task<IResult> AddTag(Guid id, HttpContext http, JobStreamWriter writer, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct, JsonBody.SmallMaxBytes);
        if (body is null) return problem!;
        var name = body.String("name", 64)?.Trim();
        var visibilityText = body.String("visibility", 16) ?? "private";
        if (string.IsNullOrEmpty(name)) body.AddError("name", "is required.");
        else if (!TagName.IsMatch(name)) body.AddError("name",
            "must start with a letter or digit and use letters, digits, spaces and . _ : / + - (at most 64).");
        if (!Enum.TryParse<TagVisibility>(visibilityText, true, out var visibility)
            || int.TryParse(visibilityText, out _))
            body.AddError("visibility", "must be private or public.");
        if (body.Problem() is { } invalid) return invalid;

        var caller = Caller.From(http.User);
        if (caller.ReadOnly) return Problems.Forbidden("read-only keys cannot tag jobs.");
        var decision = await writer.WriteAsync(id, EventContext.From(http, "api"), (job, _) =>
        {
            if (job is null || !JobQueries.MayRead(http, job))
                return new Decision.Rejected(404, "id", $"job {id} does not exist or is not yours.");
            if (job.Tags.Any(t => t.Name == name)) return new Decision.AlreadyKnown(id, "the job already has this tag");
            return new Decision.Append(id, false, [new JobTagAdded(id, name!, caller.Name, visibility)], "tag added");
        }, ct);
        return ToResult(decision);
    }

    private static async Task<IResult> RemoveTag(Guid id, string name, HttpContext http, JobStreamWriter writer,
        CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        if (caller.ReadOnly) return Problems.Forbidden("read-only keys cannot change tags.");
        var decision = await writer.WriteAsync(id, EventContext.From(http, "api"), (job, _) =>
        {
            if (job is null || !JobQueries.MayRead(http, job))
                return new Decision.Rejected(404, "id", $"job {id} does not exist or is not yours.");
            var tag = job.Tags.FirstOrDefault(t => t.Name == name);
            if (tag is null) return new Decision.AlreadyKnown(id, "the job has no such tag");
            // A finding removed by its owner would hide the job from the admins' finding filter.
            if (tag.CreatedBy == JobView.Classifier && !caller.IsAdmin)
                return new Decision.Rejected(403, "name", "automatic findings can be removed by admins only.");
            if (!caller.IsAdmin && tag.CreatedBy != caller.Name && job.User != caller.Name)
                return new Decision.Rejected(403, "name",
                    "only the tag's creator, the job's owner or an admin may remove it.");
            return new Decision.Append(id, false, [new JobTagRemoved(id, name, caller.Name)], "tag removed");
        }, ct);
        return ToResult(decision);
    }

    private static async Task<IResult> Correct(Guid id, HttpContext http, JobStreamWriter writer, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct, JsonBody.SmallMaxBytes);
        if (body is null) return problem!;
        var correction = new JobMetadataCorrected(id,
            Reason: body.String("reason", 1024) ?? "",
            JobName: body.String("jobName", 1024), Account: body.String("account", 256),
                Group: body.String("group", 256),
            JobScript: body.String("jobScript", 1024 * 1024), NumTasks: body.Int("numTasks"),
                GpusPerNode: body.Int("gpusPerNode"));
        if (string.IsNullOrWhiteSpace(correction.Reason))
            body.AddError("reason", "is required: say why the data is corrected.");
        if (correction.NumTasks is < 0 or > 100_000_000) body.AddError("numTasks", "must be between 0 and 100000000.");
        if (correction.GpusPerNode is < 0 or > 1024) body.AddError("gpusPerNode", "must be between 0 and 1024.");
        if (correction is { JobName: null, Account: null, Group: null, JobScript: null, NumTasks: null,
            GpusPerNode: null })
            body.AddError("body", "names no field to correct.");
        if (body.Problem() is { } invalid) return invalid;

        var decision = await writer.WriteAsync(id, EventContext.From(http, "admin"), (job, _) =>
        {
            if (job is null) return new Decision.Rejected(404, "id", $"job {id} does not exist.");
            return new Decision.Append(id, false, [correction], "metadata corrected");
        }, ct);
        return ToResult(decision);
    }

    private static IResult ToResult(Decision decision) => decision switch
    {
        Decision.Append a => Results.Ok(new IngestionResult(a.JobId, a.Outcome, true)),
        Decision.AlreadyKnown k => Results.Ok(new IngestionResult(k.JobId, k.Outcome, false)),
        Decision.Rejected { Status: 404 } r => Problems.NotFound(r.Detail),
        Decision.Rejected { Status: 403 } r => Problems.Forbidden(r.Detail),
        Decision.Rejected r => Problems.Validation(r.Field, r.Detail),
        _ => throw new InvalidOperationException($"unknown decision {decision}"),
    };
}
