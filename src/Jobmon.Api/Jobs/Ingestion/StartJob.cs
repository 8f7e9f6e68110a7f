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
    public Decision Decide(IReadOnlyList<JobView> known, Func<Guid> newId) => IngestionDecisions.Decide(this, known, newId);

    /// <summary>SLURM array job id and task id (job 125 may be task 4 of array 123: "123_4"); null for other jobs.</summary>
    public long? ArrayJobId { get; init; }
    public int? ArrayTaskId { get; init; }
    /// <summary>CPUs allocated to the job (SLURM's NumCPUs); null when the sender does not know.</summary>
    public int? NumCpus { get; init; }

    /// <summary>v1 body as the shipped SLURM script sends it (keys matched case-insensitively; unknown keys ignored).</summary>
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
        var nodes = body.StringArray("nodes", 1_000_000, 255) ?? NodeNames.Split(body.String("nodeList", 4 * 1024 * 1024));
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

public static class NodeNames
{
    public static readonly Regex Valid = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$", RegexOptions.Compiled);

    /// <summary>The script joins host names with '|'; commas and whitespace are accepted as well.</summary>
    public static string[] Split(string? list) => string.IsNullOrWhiteSpace(list)
        ? []
        : list.Split(['|', ',', ' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed class StartJobValidator : AbstractValidator<StartJob>
{
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly Regex ClusterName = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", RegexOptions.Compiled);

    public StartJobValidator(TimeProvider clock)
    {
        RuleFor(x => x.Cluster).NotEmpty().Matches(ClusterName).WithMessage("must be a cluster name (letters, digits, '.', '_', '-').");
        RuleFor(x => x.SlurmId).GreaterThan(0).LessThanOrEqualTo(99_999_999_999L);
        RuleFor(x => x.User).NotEmpty().MaximumLength(256);
        RuleFor(x => x.UserId).GreaterThanOrEqualTo(0).LessThanOrEqualTo(uint.MaxValue);
        RuleFor(x => x.GroupId).GreaterThanOrEqualTo(0).LessThanOrEqualTo(uint.MaxValue);
        RuleFor(x => x.NumNodes).GreaterThan(0).LessThanOrEqualTo(1_000_000);
        RuleFor(x => x.NumTasks).GreaterThanOrEqualTo(0).LessThanOrEqualTo(100_000_000);
        RuleFor(x => x.TasksPerNode).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1_000_000);
        RuleFor(x => x.GpusPerNode).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1024);
        RuleFor(x => x.Partition).MaximumLength(128);
        RuleFor(x => x.ArrayJobId).GreaterThan(0).LessThanOrEqualTo(99_999_999_999L);
        RuleFor(x => x.ArrayTaskId).GreaterThanOrEqualTo(0).LessThanOrEqualTo(100_000_000);
        RuleFor(x => x.ArrayTaskId).NotNull().When(x => x.ArrayJobId is not null).WithMessage("is required with an array job id.");
        RuleFor(x => x.NumCpus).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1_000_000_000);
        RuleFor(x => x.Nodes).NotEmpty().WithMessage("must name at least one node.")
            .Must(n => n.Length <= 1_000_000).WithMessage("has too many nodes.");
        RuleForEach(x => x.Nodes).Matches(NodeNames.Valid).WithMessage("'{PropertyValue}' is not a valid host name.");
        RuleFor(x => x.StartTime).GreaterThanOrEqualTo(Earliest).WithMessage("must be after 2000-01-01.")
            .Must(t => t <= clock.GetUtcNow().AddDays(1)).WithMessage("must not be more than a day in the future.");
    }
}
