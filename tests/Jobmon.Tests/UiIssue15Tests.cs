using System.Net;
using System.Net.Http.Json;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>Issue 15's web-UI backend: jobs by SLURM id, findings only admins remove.</summary>
[Collection(SharedAppCollection.Name)]
public sealed class UiIssue15Tests(SharedApp shared)
{
    private readonly JobmonApp _app = shared.App;

    private async Task<Guid> StartAsync(SlurmJob job) =>
        (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<Jobmon.Jobs.Ingestion.IngestionResult>()).JobId;

    private async Task StopAsync(SlurmJob job, long stop) =>
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster={job.Cluster}", SlurmJob.StopJson(0, stop))).EnsureSuccessStatusCode();

    /// <summary>A user with the user role, signed in like the browser (session cookie).</summary>
    private async Task<(HttpClient Client, string Name)> UserAsync()
    {
        var name = Unique.Name("u");
        (await _app.Admin().PostAsJsonAsync("/api/admin/users", new { username = name, password = "password-of-" + name, roles = new[] { "user" } }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        var client = _app.Client();
        var login = await client.PostAsJsonAsync("/api/login", new { username = name, password = "password-of-" + name });
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        client.DefaultRequestHeaders.Add("Cookie", login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("Authorization=")).Split(';')[0]);
        return (client, name);
    }

    // ReadAs insists on 2xx; a 300 is an answer here.
    private static async Task<SlurmIdCandidates> Candidates(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<SlurmIdCandidates>(HttpExtensions.Json))!;

    [Fact]
    public async Task A_slurm_id_names_one_job_or_the_candidates_when_it_was_reused()
    {
        var c1 = Unique.Name("sid");
        var c2 = Unique.Name("sid");
        var id = Unique.SlurmId();
        var first = new SlurmJob(c1, id, StartTime: 1_760_000_000);
        var reused = new SlurmJob(c1, id, StartTime: 1_760_100_000);     // the counter wrapped: same id, later job
        var otherCluster = new SlurmJob(c2, id, StartTime: 1_760_050_000);
        var firstId = await StartAsync(first);
        await StopAsync(first, 1_760_000_600);
        var reusedId = await StartAsync(reused);
        var otherId = await StartAsync(otherCluster);

        var one = await _app.Admin().GetAsync($"/api/clusters/{c2}/jobs/{id}");
        one.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await one.ReadAs<JobDetail>()).Id.ShouldBe(otherId);

        var two = await _app.Admin().GetAsync($"/api/clusters/{c1}/jobs/{id}");
        two.StatusCode.ShouldBe(HttpStatusCode.MultipleChoices);
        var candidates = await Candidates(two);
        candidates.Candidates.Select(j => j.Id).ShouldBe([reusedId, firstId]);   // newest first

        // Without a cluster (the original's /job/<id>): all three; the redirect itself sends the browser to the UI route.
        var any = await _app.Admin().GetAsync($"/api/slurm-jobs/{id}");
        any.StatusCode.ShouldBe(HttpStatusCode.MultipleChoices);
        (await Candidates(any)).Candidates.Select(j => j.Id).ShouldBe([reusedId, otherId, firstId]);
        var noRedirects = _app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var redirect = await noRedirects.GetAsync($"/job/{id}");
        redirect.StatusCode.ShouldBe(HttpStatusCode.MovedPermanently);
        redirect.Headers.Location!.ToString().ShouldBe($"/jobs/{id}");
        (await noRedirects.GetAsync("/job/abc")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        (await _app.Admin().GetAsync($"/api/clusters/{c2}/jobs/{Unique.SlurmId()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var bad = await _app.Admin().GetAsync($"/api/clusters/{c2}/jobs/12x");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("slurmId");
    }

    [Fact]
    public async Task An_array_task_is_found_by_its_slurm_name_and_others_jobs_stay_hidden()
    {
        var c = Unique.Name("arr");
        var arrayId = Unique.SlurmId();
        var taskJobId = Unique.SlurmId();
        var (alice, aliceName) = await UserAsync();
        var (bob, _) = await UserAsync();
        var start = $$"""
            {"Id": {{taskJobId}}, "userName": "{{aliceName}}", "clusterId": "{{c}}", "partition": "p", "numNodes": 1, "numTasks": 1,
             "tasksPerNode": 1, "startTime": 1760000000, "nodeList": "n1", "arrayJobId": {{arrayId}}, "arrayTaskId": 4}
            """;
        var jobId = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(start))).ReadAs<Jobmon.Jobs.Ingestion.IngestionResult>()).JobId;

        var byTask = await alice.GetAsync($"/api/clusters/{c}/jobs/{arrayId}_4");
        byTask.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await byTask.ReadAs<JobDetail>()).Id.ShouldBe(jobId);
        (await alice.GetAsync($"/api/clusters/{c}/jobs/{arrayId}_5")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await alice.GetAsync($"/api/clusters/{c}/jobs/{taskJobId}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        // bob's view: the job does not exist.
        (await bob.GetAsync($"/api/clusters/{c}/jobs/{arrayId}_4")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.GetAsync($"/api/slurm-jobs/{taskJobId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Only_admins_remove_an_automatic_finding_while_owners_remove_their_own_tags()
    {
        var (alice, aliceName) = await UserAsync();
        var job = new SlurmJob(Unique.Name("fnd"), Unique.SlurmId(), User: aliceName);
        var id = await StartAsync(job);
        // What the running-statistics round appends when it classifies the job.
        await _app.AppendJobEventsAsync(id, new JobFindingsRaised(id, [new JobFinding("memory-bound", "memory bandwidth at 91 % of peak")]));
        (await alice.PostAsJsonAsync($"/api/jobs/{id}/tags", new { name = "mine" })).EnsureSuccessStatusCode();

        var refused = await alice.DeleteAsync($"/api/jobs/{id}/tags/memory-bound");
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("admins only");
        (await alice.DeleteAsync($"/api/jobs/{id}/tags/mine")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var tags = (await (await alice.GetAsync($"/api/jobs/{id}")).ReadAs<JobDetail>()).Tags;
        tags.Select(t => t.Name).ShouldBe(["memory-bound"]);

        (await _app.Admin().DeleteAsync($"/api/jobs/{id}/tags/memory-bound")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await (await alice.GetAsync($"/api/jobs/{id}")).ReadAs<JobDetail>()).Tags.ShouldBeEmpty();
    }
}
