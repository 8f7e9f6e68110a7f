using System.Text.RegularExpressions;
using FluentValidation;
using Jobmon.Infrastructure;
using Marten;

using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Ingestion;


public sealed record StartJob(
    string Cluster,
    long SlurmId,
    string User,
    long? UserId,
    string Group,
    long? GroupId,
    string Account,
    string JobName,
    string Partition,
    int NumNodes,
    int NumTasks,
    int TasksPerNode,
    int GpusPerNode,
    string[] Nodes,
    DateTimeOffset StartTime,
    string? JobScript) : ISlurmJobCommand
{
    public Decision Decide(IReadOnlyList<JobView> known, Func<Guid> newId)
        => IngestionDecisions.Decide(this, known, newId);

    /// <summary>SLURM array job id and task id (job 125 may be task 4 of array 123: "123_4"); null for other
    /// jobs.</summary>
    public long? ArrayJobId { get; init; }
    public int? ArrayTaskId { get; init; }
    /// <summary>CPUs allocated to the job (SLURM's NumCPUs); null when the sender does not know.</summary>
    public int? NumCpus { get; init; }

    /// <summary>v1 body as the shipped SLURM script sends it (keys matched case-insensitively; unknown keys
    /// ignored).</summary>
    public static StartJob? FromV1(JsonBody body)
    {
        var nodeList = body.String("nodeList", 4 * 1024 * 1024);
        var start = new StartJob(
            Cluster: body.String("clusterId", 128) ?? "",
            SlurmId: body.Long("id") ?? 0,
            User: body.String("userName", 256) ?? "",
            UserId: body.Long("userId"),
            Group: body.String("groupName", 256) ?? "",
            GroupId: body.Long("groupId"),
            Account: body.String("account", 256) ?? "",
            JobName: body.String("jobName", 1024) ?? "",
            Partition: body.String("partition", 128) ?? "",
            NumNodes: body.Int("numNodes") ?? 0,
            NumTasks: body.Int("numTasks") ?? 0,
            TasksPerNode: body.Int("tasksPerNode") ?? 0,
            GpusPerNode: body.Int("GPUsPerNode") ?? 0,
            Nodes: NodeNames.Split(nodeList),
            StartTime: body.Time("startTime") ?? default,
            JobScript: body.String("jobScript", 1024 * 1024))
        {
            // Sent by the current script; the original script's body has none of them.
            ArrayJobId = body.Long("arrayJobId"),
            ArrayTaskId = body.Int("arrayTaskId"),
            NumCpus = body.Int("numCpus"),
        };
        body.Bool("isRunning"); // accepted for compatibility; the server decides the state
        foreach (var required in new[] { "id", "clusterId", "userName", "startTime", "nodeList", "numNodes" })
            if (!body.Has(required)) body.AddError(required, "is required.");
        return start;
    }

    /// <summary>v2 body: camelCase names, nodes as an array or a SLURM hostlist string.</summary>
    public static StartJob? FromV2(JsonBody body, string cluster)
    {
        var nodes = body.StringArray("nodes", 1_000_000, 255)
            ?? NodeNames.Split(body.String("nodeList", 4 * 1024 * 1024));
        var start = new StartJob(
            Cluster: cluster,
            SlurmId: body.Long("jobId") ?? 0,
            User: body.String("user", 256) ?? "",
            UserId: body.Long("userId"),
            Group: body.String("group", 256) ?? "",
            GroupId: body.Long("groupId"),
            Account: body.String("account", 256) ?? "",
            JobName: body.String("name", 1024) ?? "",
            Partition: body.String("partition", 128) ?? "",
            NumNodes: body.Int("numNodes") ?? nodes.Length,
            NumTasks: body.Int("numTasks") ?? 0,
            TasksPerNode: body.Int("tasksPerNode") ?? 0,
            GpusPerNode: body.Int("gpusPerNode") ?? 0,
            Nodes: nodes,
            StartTime: body.Time("startTime") ?? default,
            JobScript: body.String("jobScript", 1024 * 1024))
        {
            ArrayJobId = body.Long("arrayJobId"),
            ArrayTaskId = body.Int("arrayTaskId"),
            NumCpus = body.Int("numCpus"),
        };
        foreach (var required in new[] { "jobId", "user", "startTime" })
            if (!body.Has(required)) body.AddError(required, "is required.");
        if (!body.Has("nodes") && !body.Has("nodeList")) body.AddError("nodes", "is required.");
        return start;
    }
}
