using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>
/// cc-slurm-adapter's SyncStats (internal/cc/interface.go, 8101095): POST {api}/nodestate/ with X-AUTH-TOKEN and a
/// types.CCNodeStatRequest, success only on 200. The request is built from C# mirrors of its Go structs (cc-lib v2.10.0
/// schema.NodePayload: no omitempty, so every field is always written).
/// </summary>
[Collection(SharedAppCollection.Name)]
public sealed class NodeStateTests(SharedApp shared)
{
    private readonly JobmonApp _app = shared.App;

    private sealed record CCNodeStat(
        [property: JsonPropertyName("hostname")] string Hostname,
        [property: JsonPropertyName("states")] string[] States,
        [property: JsonPropertyName("cpusAllocated")] int CpusAllocated,
        [property: JsonPropertyName("memoryAllocated")] long MemoryAllocated,
        [property: JsonPropertyName("gpusAllocated")] int GpusAllocated,
        [property: JsonPropertyName("jobsRunning")] int JobsRunning);

    private sealed record CCNodeStatRequest(
        [property: JsonPropertyName("cluster")] string Cluster,
        [property: JsonPropertyName("nodes")] CCNodeStat[] Nodes);

    private async Task<HttpResponseMessage> PostAsync(object request, string token = JobmonApp.IngestToken)
    {
        var client = _app.Client();
        client.DefaultRequestHeaders.Add("X-AUTH-TOKEN", token);
        var json = request as string ?? JsonSerializer.Serialize(request);
        return await client.PostAsync("/api/nodestate/", new StringContent(json, Encoding.UTF8, "application/json"));
    }

    [Fact]
    public async Task The_adapters_node_states_are_accepted_with_200_resolved_like_cc_backend_and_replaced_by_the_next_poll()
    {
        var cluster = Unique.Name("nodes");
        var first = new CCNodeStatRequest(cluster,
        [
            new("n001", ["ALLOCATED"], 76, 256000, 4, 1),
            new("n002", ["IDLE", "DOWN"], 0, 0, 0, 0),   // cc-backend: down wins over idle
            new("n003", ["MIXED", "RESERVED"], 10, 1000, 0, 2), // reserved before mixed
            new("n004", ["IDLE"], 0, 0, 0, 0),
            new("n005", [], 0, 0, 0, 0),
        ]);
        using (var response = await PostAsync(first)) response.StatusCode.ShouldBe(HttpStatusCode.OK);

        var nodes = JsonDocument.Parse(await _app.Admin().GetStringAsync($"/api/clusters/{cluster}/nodes")).RootElement;
        nodes.EnumerateArray().Select(n => (n.GetProperty("hostname").GetString(), n.GetProperty("state").GetString())).ToArray()
            .ShouldBe([("n001", "allocated"), ("n002", "down"), ("n003", "reserved"), ("n004", "idle"), ("n005", "unknown")]);
        nodes[0].GetProperty("cpusAllocated").GetInt32().ShouldBe(76);
        nodes[0].GetProperty("memoryAllocated").GetInt64().ShouldBe(256000);
        nodes[0].GetProperty("gpusAllocated").GetInt32().ShouldBe(4);

        // The next poll replaces the states.
        using (var response = await PostAsync(new CCNodeStatRequest(cluster, [new("n001", ["IDLE"], 0, 0, 0, 0)]))) response.StatusCode.ShouldBe(HttpStatusCode.OK);
        nodes = JsonDocument.Parse(await _app.Admin().GetStringAsync($"/api/clusters/{cluster}/nodes")).RootElement;
        nodes[0].GetProperty("state").GetString().ShouldBe("idle");
        nodes[0].GetProperty("jobsRunning").GetInt32().ShouldBe(0);
        nodes.GetArrayLength().ShouldBe(5);
    }

    [Theory]
    [InlineData("""{"cluster": "c1", "nodes": [{"hostname": "n1", "states": ["IDLE"], "gpus": 1}]}""", "nodes[0].gpus")]
    [InlineData("""{"cluster": "c1", "nodes": [{"hostname": "n 1", "states": []}]}""", "nodes[0].hostname")]
    [InlineData("""{"cluster": "c1", "nodes": [{"hostname": "n1", "cpusAllocated": -1}]}""", "nodes[0].cpusAllocated")]
    [InlineData("""{"cluster": "c/1", "nodes": []}""", "cluster")]
    [InlineData("""{"cluster": "c1"}""", "nodes")]
    public async Task Bad_node_states_are_400s_naming_the_field(string body, string field)
    {
        using var response = await PostAsync(body);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(field);
    }
}
