using System.Net;
using System.Net.Http.Json;
using Jobmon.Jobs.Tagging;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>The tag page's counts: every tag on the caller's visible jobs with how many jobs carry it.</summary>
[Collection(SharedAppCollection.Name)]
public sealed class TagCountsTests(SharedApp shared)
{
    private readonly JobmonApp _app = shared.App;

    private async Task<Guid> StartAsync(SlurmJob job) =>
        (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson())))
            .ReadAs<Jobmon.Jobs.Ingestion.IngestionResult>()).JobId;

    private async Task<HttpClient> SignedInAsync(string name)
    {
        (await _app.Admin().PostAsJsonAsync("/api/admin/users", new { username = name, password = "password-of-" + name, roles = new[] { "user" } }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        var client = _app.Client();
        var login = await client.PostAsJsonAsync("/api/login", new { username = name, password = "password-of-" + name });
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        client.DefaultRequestHeaders.Add("Cookie", login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("Authorization=")).Split(';')[0]);
        return client;
    }

    [Fact]
    public async Task Counts_are_per_tag_over_the_callers_visible_jobs_most_used_first()
    {
        var cluster = Unique.Name("tc");
        var ann = Unique.Name("ann");
        var ben = Unique.Name("ben");
        var p = Unique.Name("k"); // a prefix no other test's tags have
        var ann1 = await StartAsync(new SlurmJob(cluster, Unique.SlurmId(), User: ann));
        var ann2 = await StartAsync(new SlurmJob(cluster, Unique.SlurmId(), User: ann));
        var ben1 = await StartAsync(new SlurmJob(cluster, Unique.SlurmId(), User: ben));
        var tags = new[] { (ann1, "shared"), (ann1, "only-ann"), (ann2, "shared"), (ben1, "shared"), (ben1, "b-only") };
        foreach (var (id, name) in tags)
            (await _app.Admin().PostAsJsonAsync($"/api/jobs/{id}/tags", new { name = $"{p}-{name}", visibility = "public" }))
                .EnsureSuccessStatusCode();

        async Task<(string, long)[]> Mine(HttpClient client)
        {
            var all = await (await client.GetAsync("/api/tags/counts")).ReadAs<TagCount[]>();
            return all.Where(t => t.Name.StartsWith(p)).Select(t => (t.Name, t.Jobs)).ToArray();
        }

        // Admins: all three jobs. 'shared' on 3 jobs first; the two singles by name.
        (await Mine(_app.Admin())).ShouldBe([($"{p}-shared", 3L), ($"{p}-b-only", 1L), ($"{p}-only-ann", 1L)]);
        // Ann: her two jobs only; ben's tag and his use of 'shared' are invisible to her.
        var user = await SignedInAsync(ann);
        (await Mine(user)).ShouldBe([($"{p}-shared", 2L), ($"{p}-only-ann", 1L)]);

        var bad = await user.GetAsync("/api/tags/counts?prefix=x");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("prefix");
    }
}
