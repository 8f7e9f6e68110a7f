using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

public sealed class SearchAndLogTests : IAsyncLifetime
{
    private JobmonApp _app = null!;
    public async Task InitializeAsync() => _app = await JobmonApp.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Users_and_tags_are_found_by_substring_with_hostile_terms_as_plain_text()
    {
        (await _app.Admin().PostAsJsonAsync("/api/admin/users", new { username = "malice", password = "malice-password", roles = new[] { "user" } })).EnsureSuccessStatusCode();
        var job = new SlurmJob(Unique.Name("s"), Unique.SlurmId(), User: "alicia");
        var id = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<Jobmon.Jobs.Ingestion.IngestionResult>()).JobId;
        (await _app.Admin().PostAsJsonAsync($"/api/jobs/{id}/tags", new { name = "io-heavy", visibility = "public" })).EnsureSuccessStatusCode();
        await _app.WaitForProjectionsAsync();

        var users = await _app.Admin().GetFromJsonAsync<string[]>("/api/search/users?q=LIC");
        users.ShouldBe(["alicia", "malice"]);
        foreach (var hostile in new[] { "%", "_", "' OR '1'='1", "\\", ".*" })
        {
            var response = await _app.Admin().GetAsync($"/api/search/users?q={Uri.EscapeDataString(hostile)}");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await response.Content.ReadFromJsonAsync<string[]>())!.ShouldBeEmpty(hostile);
        }
        var tags = JsonDocument.Parse(await _app.Admin().GetStringAsync("/api/search/tags?q=HEAVY")).RootElement;
        tags[0].GetProperty("name").GetString().ShouldBe("io-heavy");
        (await _app.Admin().GetAsync("/api/search/users?q=")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Admins_read_the_recent_log_and_follow_it_live()
    {
        (await _app.Client().PostAsJsonAsync("/api/login", new { username = "nobody", password = "wrong-password" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var lines = JsonDocument.Parse(await _app.Admin().GetStringAsync("/api/admin/logs?count=200")).RootElement;
        lines.EnumerateArray().ShouldContain(l => l.GetProperty("message").GetString()!.Contains("Failed login for nobody"));
        lines.EnumerateArray().ShouldNotContain(l => l.GetProperty("message").GetString()!.Contains("wrong-password"));

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await _app.Admin().GetAsync("/api/admin/logs/live", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        (await _app.Client().PostAsJsonAsync("/api/login", new { username = "somebody-else", password = "x" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        string? line;
        var seen = false;
        while (!seen && (line = await reader.ReadLineAsync(cts.Token)) is not null)
            seen = line.Contains("somebody-else");
        seen.ShouldBeTrue();
    }
}
