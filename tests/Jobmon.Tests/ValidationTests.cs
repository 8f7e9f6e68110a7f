using System.Net;
using System.Text.Json;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

[Collection(SharedAppCollection.Name)]
public sealed class ValidationTests(SharedApp shared)
{
    private readonly JobmonApp _app = shared.App;

    private async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        response.StatusCode.ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private async Task<long> JobsInClusterAsync(string cluster) =>
        (await (await _app.Admin().GetAsync($"/api/jobs?cluster={cluster}")).ReadAs<JobListPage>()).Total;

    [Theory]
    [InlineData("{\"Id\": 1,", "body")]                                   // malformed JSON
    [InlineData("[1,2]", "body")]                                          // not an object
    [InlineData("", "body")]                                               // empty
    public async Task Unreadable_bodies_are_400_naming_the_body(string body, string field)
    {
        var problem = await ProblemAsync(await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(body)));
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
        problem.GetProperty("correlationId").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Bodies_without_a_length_are_read_whole_and_bodies_over_the_limit_are_413()
    {
        // Chunked (no Content-Length): the reader starts with a small pooled buffer and must grow it without losing bytes.
        var nodes = string.Join("|", Enumerable.Range(1, 3000).Select(i => $"node{i:00000}"));
        var job = new SlurmJob(Unique.Name("chunked"), Unique.SlurmId(), NumNodes: 3000, Nodes: nodes);
        var chunked = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(job.StartJson())));
        chunked.Headers.ContentType = new("application/x-www-form-urlencoded");
        chunked.Headers.ContentLength = null;
        (await _app.Ingest().PutAsync("/api/job_start", chunked)).EnsureSuccessStatusCode();
        var stored = (await (await _app.Admin().GetAsync($"/api/jobs?cluster={job.Cluster}")).ReadAs<JobListPage>()).Items.Single();
        stored.NumNodes.ShouldBe(3000);

        var huge = new string(' ', Jobmon.Infrastructure.JsonBody.MaxBytes) + "{}";
        (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(huge))).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        var hugeChunked = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(huge)));
        hugeChunked.Headers.ContentLength = null;
        (await _app.Ingest().PutAsync("/api/job_start", hugeChunked)).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Wrong_types_missing_fields_negative_counts_and_absurd_values_are_each_named_and_nothing_is_stored()
    {
        var cluster = Unique.Name("bad");
        var body = $$"""
            {"Id": "abc", "clusterId": "{{cluster}}", "userName": 42, "numNodes": -1, "numTasks": -5, "GPUsPerNode": 100000,
             "startTime": 99999999999, "nodeList": "good|bad name!", "tasksPerNode": 1.5}
            """;
        var problem = await ProblemAsync(await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(body)));
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "id", "userName", "numNodes", "numTasks", "GPUsPerNode", "startTime", "tasksPerNode" })
            errors.TryGetProperty(field, out _).ShouldBeTrue($"expected an error for {field}: {errors}");
        errors.EnumerateObject().ShouldContain(p => p.Name.StartsWith("nodeList"));
        (await JobsInClusterAsync(cluster)).ShouldBe(0);

        var missing = await ProblemAsync(await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson($$"""{"clusterId":"{{cluster}}"}""")));
        foreach (var field in new[] { "id", "userName", "startTime", "nodeList", "numNodes" })
            missing.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(field);
        (await JobsInClusterAsync(cluster)).ShouldBe(0);
    }

    [Fact]
    public async Task Stop_before_start_and_bad_stop_bodies_are_400_and_change_nothing()
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).EnsureSuccessStatusCode();

        var early = await ProblemAsync(await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}", SlurmJob.StopJson(0, job.StartTime - 1)));
        early.GetProperty("errors").TryGetProperty("stopTime", out _).ShouldBeTrue();

        var bad = await ProblemAsync(await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}", """{"exitCode": "x", "stopTime": -3}"""));
        bad.GetProperty("errors").TryGetProperty("exitCode", out _).ShouldBeTrue();
        bad.GetProperty("errors").TryGetProperty("stopTime", out _).ShouldBeTrue();

        var badId = await ProblemAsync(await _app.Ingest().PatchJson("/api/job_stop/not-a-number", SlurmJob.StopJson(0, job.StartTime + 1)));
        badId.GetProperty("errors").TryGetProperty("id", out _).ShouldBeTrue();

        var page = await (await _app.Admin().GetAsync($"/api/jobs?cluster={job.Cluster}")).ReadAs<JobListPage>();
        page.Items.Single().State.ShouldBe(Jobmon.Jobs.JobState.Running);
    }

    [Fact]
    public async Task Job_list_rejects_bad_query_parameters_by_name()
    {
        var problem = await ProblemAsync(await _app.Admin().GetAsync("/api/jobs?state=bogus&sort=drop&pageSize=100000&from=yesterday&minNodes=-1"));
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "state", "sort", "pageSize", "from", "minNodes" })
            errors.TryGetProperty(field, out _).ShouldBeTrue(field);
    }

    [Fact]
    public async Task Tokens_are_required_and_roles_are_enforced()
    {
        (await _app.Client().PutAsync("/api/job_start", HttpExtensions.FormJson("{}"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _app.Client("wrong-token-wrong-token").GetAsync("/api/jobs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // The ingestion token may push events but not read jobs.
        (await _app.Ingest().GetAsync("/api/jobs")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _app.Ingest().GetAsync("/api/admin/projections")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        // Admins count as job-control, as in the original.
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        (await _app.Admin().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _app.Client().GetAsync("/api/ping")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_v2_api()
    {
        var doc = JsonDocument.Parse(await _app.Client().GetStringAsync("/api/openapi/v2.json")).RootElement;
        var paths = doc.GetProperty("paths");
        paths.TryGetProperty("/api/v2/clusters/{cluster}/jobs", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/v2/clusters/{cluster}/jobs/{jobId}/stop", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/jobs", out _).ShouldBeTrue();
    }
}
