using System.Text.Json;
using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Nodes;


/// <summary>cc-backend's <c>POST/PUT /api/nodestate/</c> (cc-lib <c>UpdateNodeStatesRequest</c> of
/// <c>NodePayload</c>s),
/// called by cc-slurm-adapter on every poll, and the list of a cluster's nodes.</summary>
public static class NodeStates
{
    private static readonly Regex Hostname = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$", RegexOptions.Compiled);
    public const int MaxNodes = 200_000;

    public static IEndpointRouteBuilder MapNodeStates(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/nodestate", Update).RequireAuthorization(Policies.Ingest)
            .WithTags("Ingestion (ClusterCockpit)")
            .WithSummary("cc-backend node states {cluster, nodes: [{hostname, states, cpusAllocated, " +
                "memoryAllocated, gpusAllocated, jobsRunning}]}; 200.");
        app.MapPut("/api/nodestate", Update).RequireAuthorization(Policies.Ingest)
            .WithTags("Ingestion (ClusterCockpit)");
        app.MapGet("/api/clusters/{cluster}/nodes", List).RequireAuthorization(Policies.Reader).WithTags("Nodes")
            .WithSummary("The scheduler's latest state of every node of a cluster (as reported through " +
                "/api/nodestate).");
        return app;
    }

    /// <summary>cc-backend's determineState: several SLURM states resolve to one, "down" winning over "idle".</summary>
    public static string Resolve(IEnumerable<string> states)
    {
        var set = states.Select(s => s.ToLowerInvariant()).ToHashSet();
        if (set.Contains("allocated")) return "allocated";
        if (set.Contains("reserved")) return "reserved";
        if (set.Contains("idle") && set.Contains("down")) return "down";
        if (set.Contains("idle")) return "idle";
        if (set.Contains("down")) return "down";
        if (set.Contains("mixed")) return "mixed";
        return "unknown";
    }

    private static async Task<IResult> Update(HttpRequest request, IDocumentSession session, TimeProvider clock,
        CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, ct);
        if (body is null) return problem!;
        var cluster = body.String("cluster", 128);
        if (cluster is null || !StartJobValidator.ClusterName.IsMatch(cluster))
            body.AddError("cluster", "must be a cluster name (letters, digits, '.', '_', '-').");
        var nodes = new List<NodeSchedulerState>();
        if (body.Raw("nodes") is not { ValueKind: JsonValueKind.Array } array)
            body.AddError("nodes", "must be an array of node states.");
        else if (array.GetArrayLength() > MaxNodes) body.AddError("nodes", $"at most {MaxNodes} nodes.");
        else
        {
            var now = clock.GetUtcNow();
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var field = $"nodes[{i++}]";
                if (Parse(item, field, body) is not { } node) continue;
                node.Cluster = cluster ?? "";
                node.Id = $"{cluster}/{node.Hostname}";
                node.UpdatedAt = now;
                nodes.Add(node);
            }
        }
        if (body.Problem() is { } invalid) return invalid;
        if (nodes.Count > 0)
        {
            session.Store(nodes.DistinctBy(n => n.Id).ToArray());
            await session.SaveChangesAsync(ct);
        }
        return Results.Ok(new { msg = $"updated {nodes.Count} node states of cluster {cluster}" });
    }

    private static NodeSchedulerState? Parse(JsonElement item, string field, JsonBody body)
    {
        if (item.ValueKind != JsonValueKind.Object) { body.AddError(field, "must be an object."); return null; }
        string? hostname = null;
        var states = new List<string>();
        long cpus = 0, memory = 0, gpus = 0, jobs = 0;
        foreach (var p in item.EnumerateObject())
        {
            switch (p.Name.ToLowerInvariant())
            {
                case "hostname" when p.Value.ValueKind == JsonValueKind.String
                    && Hostname.IsMatch(p.Value.GetString()!):
                    hostname = p.Value.GetString(); break;
                case "hostname":
                    body.AddError($"{field}.hostname", "must be a host name."); return null;
                case "states" when p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() <= 16
                                   && p.Value.EnumerateArray()
                                       .All(s => s.ValueKind == JsonValueKind.String
                                       && s.GetString()!.Length is > 0 and <= 32):
                    states.AddRange(p.Value.EnumerateArray().Select(s => s.GetString()!)); break;
                case "states":
                    body.AddError($"{field}.states", "must be an array of at most 16 state names."); return null;
                case "cpusallocated": if (!Count(p.Value, out cpus)) { body.AddError($"{field}.cpusAllocated",
                    "must be a non-negative integer."); return null; } break;
                case "memoryallocated": if (!Count(p.Value, out memory)) { body.AddError($"{field}.memoryAllocated",
                    "must be a non-negative integer."); return null; } break;
                case "gpusallocated": if (!Count(p.Value, out gpus)) { body.AddError($"{field}.gpusAllocated",
                    "must be a non-negative integer."); return null; } break;
                case "jobsrunning": if (!Count(p.Value, out jobs)) { body.AddError($"{field}.jobsRunning",
                    "must be a non-negative integer."); return null; } break;
                // cc-backend's decoder refuses unknown fields too
                default: body.AddError($"{field}.{p.Name}", "is not a field of a node state."); return null;
            }
        }
        if (hostname is null) { body.AddError($"{field}.hostname", "is required."); return null; }
        if (cpus > int.MaxValue || gpus > int.MaxValue || jobs > int.MaxValue)
            { body.AddError(field, "a count is out of range."); return null; }
        return new NodeSchedulerState
        {
            Hostname = hostname, States = states.ToArray(), State = Resolve(states),
            CpusAllocated = (int)cpus, MemoryAllocated = memory, GpusAllocated = (int)gpus, JobsRunning = (int)jobs,
        };
    }

    private static bool Count(JsonElement value, out long count)
    {
        count = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out count) && count >= 0;
    }

    private static async Task<IResult> List(string cluster, IQuerySession session, CancellationToken ct) =>
        Results.Ok(await session.Query<NodeSchedulerState>().Where(n => n.Cluster == cluster).OrderBy(n => n.Hostname)
            .Take(MaxNodes).ToListAsync(ct));
}
