using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Jobmon.Accounts;
using Jobmon.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Jobmon.Tests;

/// <summary>
/// Every endpoint the app maps, against every kind of caller. A new endpoint without an entry in <see cref="Expected"/>
/// (its authorization decision) fails this test.
/// </summary>
public sealed class EndpointAuthorizationTests : IAsyncLifetime
{
    // Access levels: public (anyone), signed-in (any valid identity), reader (user/admin/read-only), ingest (job-control/admin), admin.
    private static readonly Dictionary<string, string> Expected = new()
    {
        ["GET /api/ping"] = "public",
        ["GET /api/session"] = "public",
        ["POST /api/nodestate"] = "ingest",
        ["PUT /api/nodestate"] = "ingest",
        ["GET /api/clusters/{cluster}/nodes"] = "reader",
        ["GET /api/clusters/{cluster}/nodes/{host}"] = "reader",
        ["GET /api/clusters/{cluster}/nodes/{host}/metrics"] = "reader",
        ["GET /api/tags"] = "reader",
        ["GET /api/tags/counts"] = "reader",
        ["GET /api/openapi/{documentName}.json"] = "public",
        ["POST /api/login"] = "public",
        ["POST /api/logout"] = "signed-in",
        ["GET /api/me"] = "signed-in",
        ["PUT /api/job_start"] = "ingest",
        ["PATCH /api/job_stop/{id}"] = "ingest",
        ["POST /api/v2/clusters/{cluster}/jobs"] = "ingest",
        ["POST /api/v2/clusters/{cluster}/jobs/{jobId}/stop"] = "ingest",
        ["GET /api/jobs"] = "reader",
        ["GET /api/jobs/{id:guid}"] = "reader",
        ["GET /api/jobs/{id:guid}/history"] = "reader",
        ["GET /api/v2/clusters/{cluster}/jobs/{jobId:long}"] = "reader",
        ["POST /api/jobs/{id:guid}/tags"] = "reader",
        ["DELETE /api/jobs/{id:guid}/tags/{name}"] = "reader",
        ["PATCH /api/jobs/{id:guid}/metadata"] = "admin",
        ["GET /api/summaries/users"] = "admin",
        ["GET /api/summaries/users/{user}"] = "reader",
        ["GET /api/summaries/partitions"] = "admin",
        ["GET /api/summaries/groups"] = "admin",
        ["GET /api/admin/projections"] = "admin",
        ["POST /api/admin/projections/{name}/rebuild"] = "admin",
        ["POST /api/admin/sweep"] = "admin",
        ["GET /api/admin/dead-letters"] = "admin",
        ["POST /api/admin/dead-letters/{id}/requeue"] = "admin",
        ["POST /api/admin/dead-letters/requeue"] = "admin",
        ["DELETE /api/admin/dead-letters/{id}"] = "admin",
        ["GET /api/admin/users"] = "admin",
        ["POST /api/admin/users"] = "admin",
        ["PATCH /api/admin/users/{username}"] = "admin",
        ["DELETE /api/admin/users/{username}"] = "admin",
        ["GET /api/admin/api-keys"] = "admin",
        ["POST /api/admin/api-keys"] = "admin",
        ["DELETE /api/admin/api-keys/{id:guid}"] = "admin",
        ["POST /api/generateAPIKey"] = "admin",
        ["GET /api/metrics/catalogue"] = "reader",
        ["POST /api/admin/jobs/{id:guid}/statistics"] = "admin",
        ["PUT /api/admin/catalogue/metrics/{name}"] = "admin",
        ["DELETE /api/admin/catalogue/metrics/{name}"] = "admin",
        ["PUT /api/admin/catalogue/partitions/{name}"] = "admin",
        ["DELETE /api/admin/catalogue/partitions/{name}"] = "admin",
        ["PUT /api/admin/catalogue/settings"] = "admin",
        ["GET /api/admin/catalogue/history"] = "admin",
        ["POST /api/admin/catalogue/reset-defaults"] = "admin",
        ["GET /api/jobs/{id:guid}/metrics"] = "reader",
        ["GET /api/jobs/{id:guid}/metrics.csv"] = "reader",
        ["GET /api/jobs/{id:guid}/live"] = "reader",
        ["POST /api/jobs/start_job"] = "ingest",
        ["PUT /api/jobs/start_job"] = "ingest",
        ["POST /api/jobs/stop_job"] = "ingest",
        ["PUT /api/jobs/stop_job"] = "ingest",
        // ClusterCockpit's list: job-control keys only with state=running (this request has none), so "reader" here.
        ["GET /api/clustercockpit/jobs"] = "reader",
        ["POST /api/admin/catalogue/import-original"] = "admin",
        ["GET /api/admin/logs"] = "admin",
        ["GET /api/admin/logs/live"] = "admin",
        ["GET /api/search/users"] = "admin",
        ["GET /api/search/tags"] = "reader",
        ["GET /health/live"] = "public",
        ["GET /health/ready"] = "public",
        ["GET /metrics"] = "public",
        ["GET /api/auth/methods"] = "public",
        ["GET /auth/oauth/login"] = "public",
        ["POST /api/access-requests"] = "signed-in",
        ["GET /api/access-requests"] = "signed-in",
        ["GET /api/admin/access-requests"] = "admin",
        ["POST /api/admin/access-requests/{id:guid}/approve"] = "admin",
        ["POST /api/admin/access-requests/{id:guid}/reject"] = "admin",
        ["GET /api/clusters/{cluster}/jobs/{slurmId}"] = "reader",
        ["GET /api/slurm-jobs/{slurmId}"] = "reader",
        ["GET /job/{slurmId}"] = "public",
        ["GET /api/usage"] = "reader",
        ["GET /api/jobs/{id:guid}/compare"] = "reader",
        ["GET /api/jobs/{id:guid}/roofline"] = "reader",
    };

    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["public"] = ["anonymous", "user", "other-user", "job-control-key", "revoked-key", "admin"],
        ["signed-in"] = ["user", "other-user", "job-control-key", "admin"],
        ["reader"] = ["user", "other-user", "admin"],
        ["ingest"] = ["job-control-key", "admin"],
        ["admin"] = ["admin"],
    };

    private JobmonApp _app = null!;
    public async Task InitializeAsync() => _app = await JobmonApp.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static List<(string Method, string Route, RouteEndpoint Endpoint)> MappedEndpoints(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.Contains("{*")) // all but the UI's fallback route
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, "/" + e.RoutePattern.RawText!.Trim('/'), e)))
            .ToList();

    [Fact]
    public async Task Every_endpoint_has_an_authorization_decision_and_enforces_it_for_every_caller()
    {
        var endpoints = MappedEndpoints(_app.Services);
        endpoints.Count.ShouldBeGreaterThan(20);
        var undecided = endpoints.Select(e => $"{e.Method} {e.Route}").Where(k => !Expected.ContainsKey(k)).ToList();
        undecided.ShouldBeEmpty("endpoints without an authorization decision in EndpointAuthorizationTests.Expected");

        // Metadata agrees with the table: public endpoints allow anonymous, all others demand authorization.
        foreach (var (method, route, endpoint) in endpoints)
        {
            var isPublic = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null || endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0;
            isPublic.ShouldBe(Expected[$"{method} {route}"] == "public", $"{method} {route}");
        }

        // Callers.
        (await _app.Admin().PostAsJsonAsync("/api/admin/users", new { username = "alice", password = "alice-password-1", roles = new[] { "user" } })).EnsureSuccessStatusCode();
        (await _app.Admin().PostAsJsonAsync("/api/admin/users", new { username = "bob", password = "bob-password-12", roles = new[] { "user" } })).EnsureSuccessStatusCode();
        async Task<string> SessionToken(string user, string password)
        {
            var response = await _app.Client().PostAsJsonAsync("/api/login", new { username = user, password });
            var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("Authorization=")).Split(';')[0];
            return Uri.UnescapeDataString(cookie["Authorization=".Length..])["Bearer ".Length..];
        }
        var key = await (await _app.Admin().PostAsJsonAsync("/api/admin/api-keys", new { name = "cluster-a", role = "job-control" })).ReadAs<NewApiKey>();
        var revoked = await (await _app.Admin().PostAsJsonAsync("/api/admin/api-keys", new { name = "old", role = "job-control" })).ReadAs<NewApiKey>();
        (await _app.Admin().DeleteAsync($"/api/admin/api-keys/{revoked.Id}")).EnsureSuccessStatusCode();
        var callers = new Dictionary<string, string?>
        {
            ["anonymous"] = null,
            ["user"] = await SessionToken("alice", "alice-password-1"),
            ["other-user"] = await SessionToken("bob", "bob-password-12"),
            ["job-control-key"] = key.Token,
            ["revoked-key"] = revoked.Token,
            ["admin"] = JobmonApp.AdminToken,
        };
        var job = new SlurmJob(Unique.Name("authz"), Unique.SlurmId(), User: "alice");
        var jobId = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<Jobmon.Jobs.Ingestion.IngestionResult>()).JobId;

        var failures = new List<string>();
        foreach (var (method, route, _) in endpoints.Where(e => e.Route != "/api/logout").Append(endpoints.Single(e => e.Route == "/api/logout")))
        {
            var url = Regex.Replace(route, @"\{(\w+)(:[^}]*)?\}", m => m.Groups[1].Value switch
            {
                "id" when m.Groups[2].Value == ":guid" => route.StartsWith("/api/jobs") ? jobId.ToString() : Guid.NewGuid().ToString(),
                "id" or "jobId" => "1",
                "documentName" => "v2",
                "cluster" => "authz-cluster",
                "user" => "alice",
                _ => "sample",
            });
            var level = Expected[$"{method} {route}"];
            foreach (var (caller, token) in callers)
            {
                if (route == "/api/logout" && caller is "user" or "other-user") continue; // would end the sessions used here
                var request = new HttpRequestMessage(new HttpMethod(method), url);
                if (method != "GET" && method != "DELETE") request.Content = HttpExtensions.FormJson(route.EndsWith("/tags") ? """{"name":"t"}""" : "{}");
                var client = _app.Client(token);
                // Headers are enough (the live endpoint streams until the job ends).
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var status = (int)response.StatusCode;
                var allowed = Allowed[level].Contains(caller);
                var ok = allowed
                    ? status is not (401 or 403)
                    : caller is "anonymous" or "revoked-key" ? status == 401 : status == 403;
                if (!ok) failures.Add($"{method} {url} as {caller} ({level}): {status}");
                // Per-job endpoints: another user's job looks like a missing one.
                if (caller == "other-user" && allowed && route.StartsWith("/api/jobs/{id:guid}") && status != 404)
                    failures.Add($"{method} {url} as other-user should be 404, was {status}");
            }
        }
        failures.ShouldBeEmpty();
    }
}
