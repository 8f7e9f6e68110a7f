using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Jobmon.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Jobmon.Tests;

/// <summary>
/// Hostile values for every parameter of every mapped endpoint (route values, the query parameters each endpoint binds
/// or reads, body fields of known bodies, generic hostile bodies for the rest), as an admin (who reaches the most code).
/// No answer may be a 5xx, and afterwards ordinary requests must still succeed: a request that reached PostgreSQL with a
/// NUL used to leave a pooled connection out of step ("Received unexpected backend message DataRow").
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    // Query parameters read by hand from HttpRequest.Query (the job list, metrics, search); bound ones come from metadata.
    private static readonly string[] ReadByHand =
    [
        "account", "aggregation", "cluster", "from", "group", "interval", "maxDuration", "maxGpus", "maxNodes", "maxTasks",
        "metrics", "minDuration", "minGpus", "minNodes", "minTasks", "node", "order", "page", "pageSize", "partition", "q",
        "raw", "sort", "startKnown", "state", "tags", "to", "user", "text", "dryRun", "status", "count", "by", "n",
    ];

    // Hostile text as it appears in a URL (already percent-encoded) and, for bodies, as a JSON string literal.
    private static readonly string[] HostileQueryValues =
    [
        "%00", "a%00b", "%C3%28", "%FF%FE", "%ED%A0%80", "%01%02%1B", "%E2%80%AE" + new string('x', 300),
        new string('9', 5000), "demo[0-99999999]", "-1", "1e309", "%27%3B%20DROP%20TABLE%20mt_events%3B--",
    ];

    private static readonly string[] HostileJsonStrings =
    [
        "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\u001b[31m\"", "null", "[null]", "{}", "[]",
        "123456789012345678901234567890", "-1", "true", "\"" + new string('x', 100_000) + "\"", "\"demo[0-99999999]\"",
    ];

    // Valid bodies of the endpoints that take one; each field is replaced by each hostile value in turn.
    private static readonly Dictionary<string, string> SampleBodies = new()
    {
        ["PUT /api/job_start"] = new SlurmJob("hostile", 1).StartJson(),
        ["PATCH /api/job_stop/{id}"] = SlurmJob.StopJson(0, 1_750_000_100),
        ["POST /api/v2/clusters/{cluster}/jobs"] = """{"jobId": 5, "user": "alice", "partition": "p", "nodes": ["n1"], "startTime": 1750000000}""",
        ["POST /api/v2/clusters/{cluster}/jobs/{jobId}/stop"] = """{"exitCode": 0, "stopTime": 1750000100}""",
        ["POST /api/jobs/start_job"] = """{"jobId": 6, "user": "alice", "cluster": "cc", "partition": "p", "numNodes": 1, "startTime": 1750000000, "resources": [{"hostname": "n1"}]}""",
        ["POST /api/jobs/stop_job"] = """{"jobId": 6, "cluster": "cc", "startTime": 1750000000, "stopTime": 1750000100, "jobState": "completed"}""",
        ["POST /api/nodestate"] = """{"cluster": "c1", "nodes": [{"hostname": "n1", "states": ["IDLE"], "cpusAllocated": 1, "memoryAllocated": 2, "gpusAllocated": 0, "jobsRunning": 0}]}""",
        ["POST /api/login"] = """{"username": "nobody", "password": "wrong-password"}""",
        ["POST /api/jobs/{id:guid}/tags"] = """{"name": "t", "visibility": "private"}""",
        ["PATCH /api/jobs/{id:guid}/metadata"] = """{"reason": "r", "jobName": "n", "account": "a"}""",
        ["POST /api/admin/users"] = """{"username": "hostileuser", "password": "a-long-password-1", "roles": ["user"]}""",
        ["PATCH /api/admin/users/{username}"] = """{"roles": ["user"], "disabled": false}""",
        ["POST /api/admin/api-keys"] = """{"name": "k", "role": "job-control"}""",
        ["PUT /api/admin/catalogue/metrics/{name}"] = """{"displayName": "d", "measurement": "m", "unit": "W", "scope": "node", "filters": [{"key": "type", "op": "equals", "value": "node"}], "aggregations": ["sum"], "categories": ["c"]}""",
        ["PUT /api/admin/catalogue/partitions/{name}"] = """{"maxTime": 3600, "metrics": [], "virtualPartitions": [{"name": "v", "nodes": "n[1-2]", "metrics": []}]}""",
        ["PUT /api/admin/catalogue/settings"] = """{"collectorIntervalSeconds": 30, "quantiles": [0.25, 0.5], "radarMetrics": []}""",
        ["POST /api/access-requests"] = """{"reason": "r"}""",
        ["POST /api/admin/access-requests/{id:guid}/approve"] = """{"roles": ["user"]}""",
        ["POST /api/admin/access-requests/{id:guid}/reject"] = """{"reason": "r"}""",
        ["POST /api/admin/sweep"] = """{"reason": "r"}""",
        ["POST /api/admin/dead-letters/{id}/requeue"] = """{"reason": "r"}""",
        ["POST /api/admin/dead-letters/requeue"] = """{"reason": "r", "messageType": "Jobmon.Metrics.FinalizeJobMetrics"}""",
        ["POST /api/admin/jobs/{id:guid}/statistics"] = """{"reason": "r"}""",
    };

    private JobmonApp _app = null!;
    private HttpClient _http = null!;

    // Real Kestrel: the test host's client refuses some of these URLs itself (a NUL in the path) before any server sees them.
    public async Task InitializeAsync()
    {
        _app = await JobmonApp.StartAsync(kestrelPort: PostgresServer.FreePort());
        _http = new HttpClient { BaseAddress = new Uri(_app.KestrelUrl!) };
        _http.DefaultRequestHeaders.Authorization = new("Bearer", JobmonApp.AdminToken);
    }
    public async Task DisposeAsync() { _http.Dispose(); await _app.DisposeAsync(); }

    private sealed record Endpoint(string Method, string Route, string[] QueryNames);

    private List<Endpoint> Endpoints() =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.Contains("{*"))
            .SelectMany(e =>
            {
                var routeNames = e.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
                var bound = e.Metadata.GetOrderedMetadata<IParameterBindingMetadata>()
                    .Where(p => IsQueryValue(Nullable.GetUnderlyingType(p.ParameterInfo.ParameterType) ?? p.ParameterInfo.ParameterType))
                    .Select(p => p.Name).Where(n => !routeNames.Contains(n));
                var names = bound.Concat(ReadByHand).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
                return (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                    .Select(m => new Endpoint(m, "/" + e.RoutePattern.RawText!.Trim('/'), names));
            })
            .Where(e => e.Route is not ("/api/logout" or "/api/admin/projections/{name}/rebuild" or "/api/admin/logs/live" or "/api/jobs/{id:guid}/live"))
            .ToList();

    // Services, HttpContext and CancellationToken are bound from DI or the request itself, not from the query.
    private static bool IsQueryValue(Type t) => t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(Guid) ||
        t == typeof(DateTimeOffset) || t == typeof(decimal) || t.IsArray;

    private static string Fill(string route, Guid jobId, string? hostile = null, string? only = null) =>
        Regex.Replace(route, @"\{(\w+)(:[^}]*)?\}", m =>
        {
            if (hostile is not null && m.Groups[1].Value == only) return hostile;
            return m.Groups[1].Value switch
            {
                "id" when m.Groups[2].Value == ":guid" => jobId.ToString(),
                "id" or "jobId" => "1",
                "documentName" => "v2",
                "cluster" => "hostile",
                "username" => "hostileuser",
                _ => "sample",
            };
        });

    private async Task<int> SendAsync(string method, string url, string? body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null) request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) { Headers = { { "Content-Type", "application/json" } } };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (int)response.StatusCode;
    }

    /// <summary>Every top-level field of <paramref name="sample"/> (and of the first element of arrays of objects)
    /// replaced in turn by the raw JSON text <paramref name="hostile"/> (spliced in as text: lone surrogates cannot be
    /// written by a JSON writer).</summary>
    private static IEnumerable<(string Field, string Body)> Mutations(string sample, string hostile)
    {
        const string marker = "\"@@hostile@@\"";
        var root = System.Text.Json.Nodes.JsonNode.Parse(sample)!.AsObject();
        foreach (var name in root.Select(p => p.Key).ToList())
        {
            var copy = System.Text.Json.Nodes.JsonNode.Parse(sample)!.AsObject();
            copy[name] = "@@hostile@@";
            yield return (name, copy.ToJsonString().Replace(marker, hostile));
            if (root[name] is System.Text.Json.Nodes.JsonArray { Count: > 0 } array && array[0] is System.Text.Json.Nodes.JsonObject first)
                foreach (var inner in first.Select(p => p.Key).ToList())
                {
                    var nested = System.Text.Json.Nodes.JsonNode.Parse(sample)!.AsObject();
                    nested[name]![0]![inner] = "@@hostile@@";
                    yield return ($"{name}[0].{inner}", nested.ToJsonString().Replace(marker, hostile));
                }
        }
    }

    [Fact]
    public async Task No_hostile_value_in_any_parameter_of_any_endpoint_gives_a_5xx_and_ordinary_requests_still_work()
    {
        var job = new SlurmJob(Unique.Name("hostile"), Unique.SlurmId(), User: "alice");
        var jobId = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson())))
            .ReadAs<Jobmon.Jobs.Ingestion.IngestionResult>()).JobId;
        var endpoints = Endpoints();
        endpoints.Count.ShouldBeGreaterThan(40);
        var failures = new List<string>();
        var requests = 0;
        async Task Check(string method, string url, string? body, string what)
        {
            requests++;
            var status = await SendAsync(method, url, body);
            // 503 is the documented answer when a dependency is down (here: no InfluxDB is configured for the metric endpoints).
            if (status >= 500 && status != 503) failures.Add($"{method} {url[..Math.Min(url.Length, 120)]} {what}: {status}");
        }

        foreach (var e in endpoints)
        {
            var hasBody = e.Method is "POST" or "PUT" or "PATCH";
            SampleBodies.TryGetValue($"{e.Method} {e.Route}", out var sample);
            var validBody = hasBody ? sample ?? "{}" : null;
            // Route values.
            foreach (var name in Regex.Matches(e.Route, @"\{(\w+)").Select(m => m.Groups[1].Value))
                foreach (var value in HostileQueryValues)
                    await Check(e.Method, Fill(e.Route, jobId, value, name), validBody, $"route {name}");
            // Query parameters, one at a time.
            var url = Fill(e.Route, jobId);
            foreach (var name in e.QueryNames)
                foreach (var value in HostileQueryValues)
                    await Check(e.Method, $"{url}?{name}={value}", validBody, $"query {name}");
            // Hostile parameter names.
            await Check(e.Method, $"{url}?a%00b=1", validBody, "query name");
            if (!hasBody) continue;
            // Body fields of known bodies; generic hostile bodies for every body endpoint.
            foreach (var hostile in HostileJsonStrings)
                if (sample is not null)
                    foreach (var (field, body) in Mutations(sample, hostile))
                        await Check(e.Method, url, body, $"body {field}={hostile[..Math.Min(20, hostile.Length)]}");
            foreach (var body in (string[])["", "null", "[]", "[null]", "\"x\"", "{\"a\":\"\\u0000\"}", "{\"\\u0000\":1}",
                         "{\"a\":[null]}", new string('[', 5000), "{\"a\":\"\\ud800\"}"])
                await Check(e.Method, url, body, $"body {body[..Math.Min(20, body.Length)]}");
        }
        // Invalid UTF-8 bytes inside a JSON string (not expressible as a C# string literal).
        foreach (var route in (string[])["/api/job_start", "/api/admin/catalogue/settings"])
        {
            var bytes = Encoding.UTF8.GetBytes("{\"jobName\": \"ab\", \"radarMetrics\": [\"ab\"]}").ToList();
            bytes.Insert(14, 0xC3); bytes.Insert(15, 0x28); // "a\xC3(b"
            var request = new HttpRequestMessage(HttpMethod.Put, route) { Content = new ByteArrayContent(bytes.ToArray()) };
            request.Content.Headers.ContentType = new("application/json");
            using var response = await _http.SendAsync(request);
            ((int)response.StatusCode).ShouldBe(400, route);
            requests++;
        }
        failures.Take(40).ShouldBeEmpty($"{failures.Count} requests answered 5xx");
        requests.ShouldBeGreaterThan(2000);

        // Nothing was left out of step: ordinary requests succeed, over many pooled connections, in parallel.
        var ordinary = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await _http.GetAsync(i % 2 == 0 ? $"/api/jobs?q={job.Name}&cluster={job.Cluster}" : $"/api/jobs/{jobId}");
            return response.StatusCode;
        }));
        ordinary.ShouldAllBe(s => s == HttpStatusCode.OK);
        var list = await _http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/jobs?cluster={job.Cluster}");
        list.GetProperty("total").GetInt64().ShouldBe(1);
    }

    [Theory]
    [InlineData("/api/jobs?q=a%00b", "q")]
    [InlineData("/api/jobs?user=%00", "user")]
    [InlineData("/api/jobs?tags=x%00", "tags")]
    [InlineData("/api/jobs?cluster=%EF%BF%BD", "cluster")] // U+FFFD: what a lossy decoder makes of invalid UTF-8
    [InlineData("/api/search/users?q=a%1Bb", "q")]
    public async Task Bad_text_in_the_query_string_is_a_400_naming_the_parameter(string url, string field)
    {
        using var response = await _http.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }

    [Theory]
    [InlineData("""{"Id": 7, "userName": "a\u0000b"}""", "userName")]
    [InlineData("""{"Id": 7, "jobName": "\ud800"}""", "jobName")]
    [InlineData("""{"Id": 7, "nodeList": ["n1", null]}""", "nodeList")]
    public async Task Bad_text_in_a_job_start_is_a_400_naming_the_field(string body, string field)
    {
        using var response = await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(body));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }

    [Theory]
    [InlineData("/api/admin/catalogue/partitions/p1", """{"virtualPartitions": [null]}""", "virtualPartitions")]
    [InlineData("/api/admin/catalogue/partitions/p1", """{"virtualPartitions": [{"name": "v", "nodes": "n1"}]}""", "virtualPartitions[0]")]
    [InlineData("/api/admin/catalogue/settings", """{"radarMetrics": [null]}""", "radarMetrics")]
    public async Task Null_elements_and_missing_members_in_catalogue_bodies_are_400s(string url, string body, string field)
    {
        using var response = await _http.PutAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        problem.GetProperty("errors").EnumerateObject().ShouldContain(p => p.Name.StartsWith(field), problem.ToString());
    }
}
