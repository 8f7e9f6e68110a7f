using System.Diagnostics;
using FluentValidation;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Writing;
using Microsoft.AspNetCore.Mvc;

namespace Jobmon.Jobs.Ingestion;


public static class IngestionEndpoints
{
    private static readonly Dictionary<string, string> V1StartNames = new()
    {
        ["Cluster"] = "clusterId", ["SlurmId"] = "id", ["User"] = "userName", ["UserId"] = "userId",
            ["Group"] = "groupName",
        ["GroupId"] = "groupId", ["Account"] = "account", ["JobName"] = "jobName", ["Partition"] = "partition",
        ["NumNodes"] = "numNodes", ["NumTasks"] = "numTasks", ["TasksPerNode"] = "tasksPerNode",
            ["GpusPerNode"] = "GPUsPerNode",
        ["Nodes"] = "nodeList", ["StartTime"] = "startTime", ["JobScript"] = "jobScript",
        ["ArrayJobId"] = "arrayJobId", ["ArrayTaskId"] = "arrayTaskId", ["NumCpus"] = "numCpus",
    };

    private static readonly Dictionary<string, string> V2StartNames = new()
    {
        ["Cluster"] = "cluster", ["SlurmId"] = "jobId", ["User"] = "user", ["UserId"] = "userId", ["Group"] = "group",
        ["GroupId"] = "groupId", ["Account"] = "account", ["JobName"] = "name", ["Partition"] = "partition",
        ["NumNodes"] = "numNodes", ["NumTasks"] = "numTasks", ["TasksPerNode"] = "tasksPerNode",
            ["GpusPerNode"] = "gpusPerNode",
        ["Nodes"] = "nodes", ["StartTime"] = "startTime", ["JobScript"] = "jobScript",
        ["ArrayJobId"] = "arrayJobId", ["ArrayTaskId"] = "arrayTaskId", ["NumCpus"] = "numCpus",
    };

    private static readonly Dictionary<string, string> StopNames = new()
    {
        ["SlurmId"] = "id", ["Cluster"] = "cluster", ["ExitCode"] = "exitCode", ["StopTime"] = "stopTime",
        ["State"] = "state", ["Reason"] = "reason",
    };

    public static IEndpointRouteBuilder MapJobIngestion(this IEndpointRouteBuilder app)
    {
        // The original's routes, as the shipped SLURM script calls them.
        var v1 = app.MapGroup("/api").RequireAuthorization(Policies.Ingest).WithTags("Ingestion (v1, SLURM script)");
        v1.MapPut("/job_start", StartV1)
            .WithSummary("Job start as sent by the original SLURM script (JSON body, any content type).");
        v1.MapPatch("/job_stop/{id}", StopV1)
            .WithSummary("Job stop as sent by the original SLURM script; ?cluster= names the cluster.");

        var v2 = app.MapGroup("/api/v2/clusters/{cluster}/jobs").RequireAuthorization(Policies.Ingest)
            .WithTags("Ingestion (v2)");
        v2.MapPost("", StartV2).WithSummary("Record a job start.")
            .Produces<IngestionResult>(201).Produces<IngestionResult>(200).ProducesValidationProblem()
                .ProducesProblem(409);
        v2.MapPost("/{jobId}/stop", StopV2).WithSummary("Record a job end (exitCode is the SLURM wait status).")
            .Produces<IngestionResult>(200).ProducesValidationProblem().ProducesProblem(409);
        return app;
    }

    private static async Task<IResult> StartV1(HttpContext http, JobStreamWriter writer, TimeProvider clock,
        CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct);
        if (body is null) return problem!;
        var cmd = StartJob.FromV1(body)!;
        return await Start(http, writer, clock, body, cmd, V1StartNames, "slurm-v1", v2: false, ct);
    }

    private static async Task<IResult> StartV2(HttpContext http, string cluster, JobStreamWriter writer,
        TimeProvider clock, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct);
        if (body is null) return problem!;
        var cmd = StartJob.FromV2(body, cluster)!;
        return await Start(http, writer, clock, body, cmd, V2StartNames, "api-v2", v2: true, ct);
    }

    private static async Task<IResult> Start(HttpContext http, JobStreamWriter writer, TimeProvider clock,
        JsonBody body, StartJob cmd,
        IReadOnlyDictionary<string, string> names, string source, bool v2, CancellationToken ct)
    {
        http.RequestServices.GetRequiredService<StartJobValidator>().Validate(cmd).AddTo(body, names);
        if (body.Problem() is { } invalid) return invalid;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var decision = await writer.SubmitAsync(cmd, EventContext.From(http, source), ct);
        Record(http, "start", decision, started);
        return ToResult(decision, v2);
    }

    private static async Task<IResult> StopV1(HttpContext http, string id, [FromQuery] string? cluster,
        JobStreamWriter writer, TimeProvider clock, CancellationToken ct)
    {
        if (!long.TryParse(id, out var slurmId) || slurmId <= 0)
            return Problems.Validation("id", "must be a positive SLURM job id.");
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct);
        if (body is null) return problem!;
        var cmd = StopJob.FromBody(body, slurmId, string.IsNullOrEmpty(cluster) ? null : cluster);
        // The script's second report, SLURM's final record once the job left COMPLETING: its own source in the history.
        return await Stop(http, writer, clock, body, cmd, cmd.Final ? "slurm-final" : "slurm-v1", v2: false, ct);
    }

    private static async Task<IResult> StopV2(HttpContext http, string cluster, string jobId, JobStreamWriter writer,
        TimeProvider clock, CancellationToken ct)
    {
        if (!long.TryParse(jobId, out var slurmId) || slurmId <= 0)
            return Problems.Validation("jobId", "must be a positive SLURM job id.");
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct);
        if (body is null) return problem!;
        var cmd = StopJob.FromBody(body, slurmId, cluster);
        return await Stop(http, writer, clock, body, cmd, "api-v2", v2: true, ct);
    }

    private static async Task<IResult> Stop(HttpContext http, JobStreamWriter writer, TimeProvider clock,
        JsonBody body, StopJob cmd,
        string source, bool v2, CancellationToken ct)
    {
        http.RequestServices.GetRequiredService<StopJobValidator>().Validate(cmd).AddTo(body, StopNames);
        if (body.Problem() is { } invalid) return invalid;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var decision = await writer.SubmitAsync(cmd, EventContext.From(http, source), ct);
        Record(http, "stop", decision, started);
        return ToResult(decision, v2);
    }

    /// <summary>Prometheus: jobmon_ingest_requests{operation, outcome} and jobmon_ingest_duration (until the
    /// commit).</summary>
    private static void Record(HttpContext http, string operation, Decision decision, long started)
    {
        var telemetry = http.RequestServices.GetRequiredService<JobmonTelemetry>();
        var outcome = decision switch { Decision.Append => "stored", Decision.AlreadyKnown => "duplicate",
            _ => "rejected" };
        var tags = new TagList { { "operation", operation }, { "outcome", outcome } };
        telemetry.Ingested.Add(1, tags);
        telemetry.IngestDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
    }

    private static IResult ToResult(Decision decision, bool v2) => decision switch
    {
        Decision.Append { IsNew: true } a when v2 => Results.Created($"/api/jobs/{a.JobId}",
            new IngestionResult(a.JobId, a.Outcome, true)),
        Decision.Append a => Results.Ok(new IngestionResult(a.JobId, a.Outcome, true)),
        Decision.AlreadyKnown k => Results.Ok(new IngestionResult(k.JobId, k.Outcome, false)),
        Decision.Rejected { Status: 400 } r => Problems.Validation(r.Field, r.Detail),
        Decision.Rejected r => Results.Problem(statusCode: r.Status, title: "Conflict", detail: r.Detail,
            extensions: new Dictionary<string, object?>(r.Extensions ?? new Dictionary<string,
                object?>()) { ["field"] = r.Field }),
        _ => throw new InvalidOperationException($"unknown decision {decision}"),
    };
}
