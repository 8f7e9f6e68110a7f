using System.Text.Json;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Ingestion;


/// <summary>
/// cc-backend's REST job API (internal/api/job.go, cc-lib schema.Job) as cc-slurm-adapter uses it, so the adapter
/// runs against Jobmon unchanged: the same routes, the X-AUTH-TOKEN header, the same bodies and status codes
/// (start: 201 created, 422 already known, 400 invalid or unknown field; stop: 200 with the job, 422 already
/// stopped, 404 unknown, 400 invalid). Every cc job state is stored as such; a cc stop records no exit code.
/// One deliberate difference: a start for a SLURM id whose earlier job has ended is a new job (201) even within
/// 24 hours (SLURM requeues keep the id); cc-backend answers 422 and loses the requeued run.
/// </summary>
public static class ClusterCockpitIngestion
{
    /// <summary>cc-lib schema.Job's json tags: cc-backend decodes with DisallowUnknownFields (Go matches them
    /// case-insensitively), so any other key is a 400.</summary>
    private static readonly HashSet<string> JobFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "cluster", "subCluster", "partition", "project", "user", "shared", "jobState", "tags", "resources",
            "energyFootprint",
        "footprint", "metaData", "concurrentJobs", "energy", "arrayJobId", "walltime", "requestedMemory", "jobId",
            "duration",
        "smt", "monitoringStatus", "numAcc", "numHwthreads", "numNodes", "statistics", "id", "submitTime", "startTime",
    };

    /// <summary>cc-backend's StopJobAPIRequest.</summary>
    private static readonly HashSet<string> StopFields =
        new(StringComparer.OrdinalIgnoreCase) { "jobId", "cluster", "startTime", "jobState", "stopTime" };

    private static readonly Dictionary<string, string> StartNames = new()
    {
        ["Cluster"] = "cluster", ["SlurmId"] = "jobId", ["User"] = "user", ["Account"] = "project",
            ["JobName"] = "metaData.jobName",
        ["Partition"] = "partition", ["NumNodes"] = "numNodes", ["NumTasks"] = "numHwthreads",
            ["GpusPerNode"] = "numAcc",
        ["Nodes"] = "resources", ["StartTime"] = "startTime", ["JobScript"] = "metaData.jobScript",
    };

    public static IEndpointRouteBuilder MapClusterCockpitIngestion(this IEndpointRouteBuilder app)
    {
        var cc = app.MapGroup("/api/jobs").RequireAuthorization(Policies.Ingest).WithTags("Ingestion (ClusterCockpit)");
        cc.MapPost("/start_job", Start)
            .WithSummary("cc-backend start_job: a cc-lib Job object; 201 created, 422 already known.");
        cc.MapPut("/start_job", Start);
        cc.MapPost("/stop_job", Stop)
            .WithSummary("cc-backend stop_job {jobId, cluster?, startTime?, jobState, stopTime}; 200 with the job, " +
            "422 already stopped, 404 unknown.");
        cc.MapPut("/stop_job", Stop);
        return app;
    }

    /// <summary>Jobmon's states by cc's names (cc-lib schema.JobState, plus "stopped" from cc-backend's list
    /// filter).</summary>
    private static readonly Dictionary<string, JobState> States = new()
    {
        ["running"] = JobState.Running, ["completed"] = JobState.Completed, ["failed"] = JobState.Failed,
            ["cancelled"] = JobState.Cancelled,
        ["timeout"] = JobState.Timeout, ["out_of_memory"] = JobState.OutOfMemory, ["node_fail"] = JobState.NodeFail,
        ["preempted"] = JobState.Preempted, ["boot_fail"] = JobState.BootFail, ["deadline"] = JobState.Deadline,
            ["stopped"] = JobState.Stopped,
    };

    /// <summary>cc's valid states Jobmon never stores (nothing pending or suspended is reported to it).</summary>
    public static readonly string[] StatesWithoutJobs = ["pending", "suspended"];

    /// <summary>A cc job state → Jobmon's (null for an unknown name or one Jobmon does not store).</summary>
    public static JobState? StateOf(string? ccState) => ccState is not null && States.TryGetValue(ccState, out var s)
        ? s : null;

    /// <summary>Jobmon's state → cc's name. Requeued has no cc name and keeps its own.</summary>
    public static string NameOf(JobState state) => state switch
    {
        JobState.OutOfMemory => "out_of_memory",
        JobState.NodeFail => "node_fail",
        JobState.BootFail => "boot_fail",
        _ => state.ToString().ToLowerInvariant(),
    };

    private static IResult UnknownFields(JsonBody body, HashSet<string> known, string what)
    {
        foreach (var name in body.Names.Where(n => !known.Contains(n)))
            body.AddError(name, $"is not a field of {what} (cc-backend rejects unknown fields).");
        return body.Problem()!;
    }

    private static async Task<IResult> Start(HttpContext http, JobStreamWriter writer, StartJobValidator validator,
        CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct);
        if (body is null) return problem!;
        if (body.Names.Any(n => !JobFields.Contains(n))) return UnknownFields(body, JobFields, "cc-lib's Job");

        var resources = new List<SchedulerResource>();
        if (body.Raw("resources") is { ValueKind: JsonValueKind.Array } array)
            foreach (var (r, i) in array.EnumerateArray().Select((r, i) => (r, i)))
            {
                if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("hostname", out var h)
                    || h.ValueKind != JsonValueKind.String)
                { body.AddError($"resources[{i}].hostname", "is required."); continue; }
                int[]? hwthreads = null;
                string[]? accelerators = null;
                if (r.TryGetProperty("hwthreads", out var hw) && hw.ValueKind == JsonValueKind.Array)
                    hwthreads = hw.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number
                        && x.TryGetInt32(out _))
                        ? hw.EnumerateArray().Select(x => x.GetInt32()).ToArray()
                        : Error<int[]>(body, $"resources[{i}].hwthreads", "must be an array of integers.");
                if (r.TryGetProperty("accelerators", out var acc) && acc.ValueKind == JsonValueKind.Array)
                    accelerators = acc.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)
                        ? acc.EnumerateArray().Select(x => x.GetString()!).ToArray()
                        : Error<string[]>(body, $"resources[{i}].accelerators", "must be an array of strings.");
                var configuration = r.TryGetProperty("configuration", out var c) && c.ValueKind == JsonValueKind.String
                    ? c.GetString() : null;
                resources.Add(new SchedulerResource(h.GetString()!, hwthreads, accelerators, configuration));
            }
        else body.AddError("resources", "is required: an array of {hostname, hwthreads?, accelerators?}.");

        var metaData = new Dictionary<string, string>();
        if (body.Raw("metaData") is { } meta)
        {
            if (meta.ValueKind != JsonValueKind.Object) body.AddError("metaData", "must be an object of strings.");
            else foreach (var p in meta.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.String) metaData[p.Name] = p.Value.GetString()!;
                else body.AddError($"metaData.{p.Name}", "must be a string (cc-lib: map[string]string).");
        }
        var numNodes = body.Int("numNodes") ?? 0;
        if (numNodes > 0 && resources.Count > 0 && resources.Count != numNodes)
            body.AddError("resources", $"len(resources) does not equal numNodes ({resources.Count} vs {numNodes}).");
        var numAcc = body.Int("numAcc");
        var numHwthreads = body.Int("numHwthreads");
        if (numAcc < 0) body.AddError("numAcc", "must not be negative.");
        if (numHwthreads < 0) body.AddError("numHwthreads", "must not be negative.");
        // cc-backend sets running whatever is sent; cc-slurm-adapter sends "" (it marshals an unset schema.Job state).
        if (body.String("jobState", 32) is { Length: > 0 } state && state != "running" && StateOf(state) is null
            && !StatesWithoutJobs.Contains(state))
            body.AddError("jobState", "is not a ClusterCockpit job state.");
        var walltime = body.Long("walltime");
        if (walltime < 0) body.AddError("walltime", "must not be negative.");
        var submitTime = body.Time("submitTime");
        if (submitTime is null && metaData.TryGetValue("submitTime", out var submitted)
            && long.TryParse(submitted, out var submittedSeconds) && submittedSeconds > 0)
            submitTime = DateTimeOffset.FromUnixTimeSeconds(submittedSeconds); // cc-slurm-adapter puts it into metaData
        var shared = body.String("shared", 32);
        if (shared is not null and not ("none" or "single_user" or "multi_user"))
            body.AddError("shared", "must be none, single_user or multi_user.");
        var tags = ReadTags(body);

        var gpusPerNode = numAcc is { } total && numNodes > 0 ? total / numNodes
            : resources.Select(r => r.Accelerators?.Length ?? 0).DefaultIfEmpty(0).Max();
        var cmd = new StartJob(
            Cluster: body.String("cluster", 128) ?? "", SlurmId: body.Long("jobId") ?? 0,
                User: body.String("user", 256) ?? "",
            UserId: null, Group: "", GroupId: null, Account: body.String("project", 256) ?? "",
            JobName: metaData.GetValueOrDefault("jobName") ?? "", Partition: body.String("partition", 128) ?? "",
            NumNodes: numNodes, NumTasks: numHwthreads ?? 0, TasksPerNode: 0, GpusPerNode: gpusPerNode,
            Nodes: resources.Select(r => r.Hostname).ToArray(), StartTime: body.Time("startTime") ?? default,
            JobScript: metaData.GetValueOrDefault("jobScript"));
        var details = new SchedulerDetails(walltime, submitTime, body.String("subCluster", 128), shared ?? "none",
            body.Int("smt"), numAcc,
            numHwthreads, body.Long("arrayJobId") is > 0 and var arrayJobId ? arrayJobId : null,
                body.Long("requestedMemory"), body.Int("monitoringStatus"),
            metaData, resources.ToArray());
        foreach (var required in new[] { "jobId", "cluster", "user", "numNodes", "startTime" })
            if (!body.Has(required)) body.AddError(required, "is required.");
        validator.Validate(cmd).AddTo(body, StartNames);
        if (body.Problem() is { } invalid) return invalid;

        var decision = await writer.SubmitAsync(new ClusterCockpitStart(cmd, details, tags, Caller.From(http.User)
            .Name), EventContext.From(http, "clustercockpit"), ct);
        return decision switch
        {
            // cc-backend: 201 {"msg":"success"}. The job's id is Jobmon's (a Guid), so it is not cc's numeric "id".
            Decision.Append a => Results.Json(new { msg = "success", jobmonId = a.JobId }, statusCode: 201),
            Decision.AlreadyKnown k
                => Unprocessable($"a job with that jobId, cluster and startTime already exists: jobmon id {k.JobId}, " +
                $"jobid {cmd.SlurmId}"),
            Decision.Rejected { Status: 409 } r => Unprocessable(r.Detail),
            Decision.Rejected r => Problems.Validation(r.Field, r.Detail),
            _ => throw new InvalidOperationException(),
        };
    }

    private static T? Error<T>(JsonBody body, string field, string message) where T : class
    {
        body.AddError(field, message);
        return null;
    }

    private static (string Name, TagVisibility Visibility)[] ReadTags(JsonBody body)
    {
        if (body.Raw("tags") is not { } tags) return [];
        if (tags.ValueKind != JsonValueKind.Array) { body.AddError("tags",
            "must be an array of {type, name, scope}."); return []; }
        var result = new List<(string, TagVisibility)>();
        foreach (var (t, i) in tags.EnumerateArray().Select((t, i) => (t, i)))
        {
            if (t.ValueKind != JsonValueKind.Object || !t.TryGetProperty("name", out var n)
                || n.ValueKind != JsonValueKind.String || n.GetString() is not { Length: > 0 and <= 64 } name)
            { body.AddError($"tags[{i}].name", "is required (1-64 characters)."); continue; }
            // cc's scopes: global and admin tags are seen by everyone who sees the job; a user's own scope stays
            // private.
            var scope = t.TryGetProperty("scope", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()
                : "global";
            result.Add((name, scope is "global" or "admin" ? TagVisibility.Public : TagVisibility.Private));
        }
        return result.ToArray();
    }

    private static IResult Unprocessable(string detail) =>
        Results.Problem(statusCode: 422, title: "Unprocessable Entity", detail: detail,
            extensions: new Dictionary<string, object?> { ["error"] = detail });

    private static async Task<IResult> Stop(HttpContext http, JobStreamWriter writer, StopJobValidator validator,
        Marten.IQuerySession session, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct);
        if (body is null) return problem!;
        if (body.Names.Any(n => !StopFields.Contains(n)))
            return UnknownFields(body, StopFields, "cc-backend's StopJobAPIRequest");
        var jobId = body.Long("jobId") ?? 0;
        var ccState = body.String("jobState", 32);
        // cc-backend: an empty state means completed; running/pending/suspended are valid cc states but no end.
        var state = string.IsNullOrEmpty(ccState) ? JobState.Completed : StateOf(ccState);
        if (state is null or JobState.Running)
            body.AddError("jobState",
                "must be an end state: completed, failed, cancelled, timeout, preempted, out_of_memory, node_fail, " +
                "boot_fail, deadline or stopped.");
        if (!body.Has("jobId")) body.AddError("jobId", "the field 'jobId' is required.");
        if (!body.Has("stopTime")) body.AddError("stopTime", "is required.");
        var cluster = body.String("cluster", 128) is { Length: > 0 } c ? c : null;
        var startTime = body.Time("startTime");
        var check = new StopJob(jobId, cluster, 0, body.Time("stopTime") ?? default);
        validator.Validate(check).AddTo(body, new Dictionary<string,
            string> { ["SlurmId"] = "jobId", ["Cluster"] = "cluster", ["StopTime"] = "stopTime" });
        if (body.Problem() is { } invalid) return invalid;

        var decision = await writer.SubmitAsync(new ClusterCockpitStop(jobId, cluster, startTime, state!.Value,
            check.StopTime), EventContext.From(http, "clustercockpit"), ct);
        switch (decision)
        {
            case Decision.Append a:
                var job = await session.LoadAsync<JobView>(a.JobId, ct);
                return Results.Json(ClusterCockpitJobs.ToCcJob(job!, withMetadata: true), statusCode: 200);
            case Decision.Rejected { Status: 422 } r:
                return Unprocessable(r.Detail);
            case Decision.Rejected { Status: 404 } r:
                return Results.Problem(statusCode: 404, title: "Not Found", detail: r.Detail,
                    extensions: new Dictionary<string, object?> { ["error"] = r.Detail });
            case Decision.Rejected r:
                return Problems.Validation(r.Field, r.Detail);
            default:
                throw new InvalidOperationException();
        }
    }
}
