using System.Text.Json;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Ingestion;

/// <summary>
/// ClusterCockpit's start_job/stop_job REST payloads (cc-backend 1.5), so sites running cc-slurm-adapter can point
/// it at Jobmon. Same decisions as the SLURM routes; Jobmon keeps its own semantics where cc-backend's are weaker:
/// a repeated start/stop answers 200 instead of 422, and a stop that arrives first is kept instead of 404.
/// </summary>
public static class ClusterCockpitIngestion
{
    private static readonly Dictionary<string, string> StartNames = new()
    {
        ["Cluster"] = "cluster", ["SlurmId"] = "jobId", ["User"] = "user", ["Account"] = "project", ["JobName"] = "metaData.jobName",
        ["Partition"] = "partition", ["NumNodes"] = "numNodes", ["NumTasks"] = "numHwthreads", ["GpusPerNode"] = "numAcc",
        ["Nodes"] = "resources", ["StartTime"] = "startTime", ["JobScript"] = "metaData.jobScript",
    };

    public static IEndpointRouteBuilder MapClusterCockpitIngestion(this IEndpointRouteBuilder app)
    {
        var cc = app.MapGroup("/api/jobs").RequireAuthorization(Policies.Ingest).WithTags("Ingestion (ClusterCockpit)");
        cc.MapPost("/start_job", Start).WithSummary("cc-backend start_job payload (cc-lib Job object).");
        cc.MapPut("/start_job", Start);
        cc.MapPost("/stop_job", Stop).WithSummary("cc-backend stop_job payload {jobId, cluster, startTime?, jobState, stopTime}.");
        cc.MapPut("/stop_job", Stop);
        return app;
    }

    private static async Task<IResult> Start(HttpContext http, JobIngestion ingestion, StartJobValidator validator, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct);
        if (body is null) return problem!;
        var nodes = new List<string>();
        var gpusFromResources = 0;
        if (body.Raw("resources") is { ValueKind: JsonValueKind.Array } resources)
            foreach (var r in resources.EnumerateArray())
            {
                if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("hostname", out var h) || h.ValueKind != JsonValueKind.String)
                { body.AddError("resources", "each resource needs a hostname."); break; }
                nodes.Add(h.GetString()!);
                if (r.TryGetProperty("accelerators", out var acc) && acc.ValueKind == JsonValueKind.Array) gpusFromResources = Math.Max(gpusFromResources, acc.GetArrayLength());
            }
        else body.AddError("resources", "is required: an array of {hostname, accelerators?}.");
        var numNodes = body.Int("numNodes") ?? 0;
        if (numNodes > 0 && nodes.Count > 0 && nodes.Count != numNodes) body.AddError("resources", $"has {nodes.Count} entries but numNodes is {numNodes}.");
        var numAcc = body.Int("numAcc");
        var meta = body.Raw("metaData");
        string? Meta(string key) => meta is { ValueKind: JsonValueKind.Object } m && m.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var cmd = new StartJob(
            Cluster: body.String("cluster", 128) ?? "", SlurmId: body.Long("jobId") ?? 0, User: body.String("user", 256) ?? "",
            UserId: null, Group: "", GroupId: null, Account: body.String("project", 256) ?? "", JobName: Meta("jobName") ?? "",
            Partition: body.String("partition", 128) ?? "", NumNodes: numNodes, NumTasks: body.Int("numHwthreads") ?? 0, TasksPerNode: 0,
            GpusPerNode: numAcc is { } total && numNodes > 0 ? total / numNodes : gpusFromResources,
            Nodes: nodes.ToArray(), StartTime: body.Time("startTime") ?? default, JobScript: Meta("jobScript"));
        foreach (var required in new[] { "jobId", "cluster", "user", "numNodes", "startTime" })
            if (!body.Has(required)) body.AddError(required, "is required.");
        validator.Validate(cmd).AddTo(body, StartNames);
        if (body.Problem() is { } invalid) return invalid;
        var decision = await ingestion.StartAsync(cmd, EventContext.From(http, "clustercockpit"), ct);
        return decision switch
        {
            Decision.Append { IsNew: true } a => Results.Created($"/api/jobs/{a.JobId}", new { msg = "success", id = a.JobId }),
            Decision.Append a => Results.Ok(new { msg = a.Outcome, id = a.JobId }),
            Decision.AlreadyKnown k => Results.Ok(new { msg = k.Outcome, id = k.JobId }),
            Decision.Rejected r => Results.Problem(statusCode: r.Status, title: r.Status == 400 ? "Invalid" : "Conflict", detail: r.Detail),
            _ => throw new InvalidOperationException(),
        };
    }

    public static JobState? StateOf(string? ccState) => ccState switch
    {
        null or "" or "completed" => JobState.Completed,
        "failed" or "out_of_memory" or "node_fail" or "boot_fail" => JobState.Failed,
        "cancelled" or "preempted" => JobState.Cancelled,
        "timeout" or "deadline" => JobState.Timeout,
        _ => null,
    };

    private static async Task<IResult> Stop(HttpContext http, JobIngestion ingestion, StopJobValidator validator, IQuerySession session, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct);
        if (body is null) return problem!;
        var jobId = body.Long("jobId") ?? 0;
        var ccState = body.String("jobState", 32);
        var state = StateOf(ccState);
        if (state is null) body.AddError("jobState", "must be completed, failed, cancelled, timeout, preempted, out_of_memory, node_fail, boot_fail or deadline.");
        if (!body.Has("jobId")) body.AddError("jobId", "the field 'jobId' is required.");
        if (!body.Has("stopTime")) body.AddError("stopTime", "is required.");
        // cc jobs carry a state, not a wait status: keep a given exitCode, else derive a plausible one.
        var exitCode = body.Int("exitCode") ?? (state == JobState.Completed ? 0 : state == JobState.Cancelled ? 15 : 256);
        var cmd = new StopJob(jobId, body.String("cluster", 128) is { Length: > 0 } c ? c : null, exitCode, body.Time("stopTime") ?? default) { State = state };
        validator.Validate(cmd).AddTo(body, new Dictionary<string, string> { ["SlurmId"] = "jobId", ["Cluster"] = "cluster", ["StopTime"] = "stopTime", ["ExitCode"] = "exitCode" });
        if (body.Problem() is { } invalid) return invalid;
        var decision = await ingestion.StopAsync(cmd, EventContext.From(http, "clustercockpit"), ct);
        switch (decision)
        {
            case Decision.Append a:
            case Decision.AlreadyKnown:
                var id = decision is Decision.Append ap ? ap.JobId : ((Decision.AlreadyKnown)decision).JobId;
                var job = await session.LoadAsync<JobView>(id, ct);
                return Results.Ok(job is null ? null : Querying.JobDetail.From(job, DateTimeOffset.UtcNow));
            case Decision.Rejected r:
                return r.Status == 400 ? Problems.Validation(r.Field, r.Detail) : Results.Problem(statusCode: r.Status, title: "Conflict", detail: r.Detail);
            default:
                throw new InvalidOperationException();
        }
    }
}
