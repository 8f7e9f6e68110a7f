using System.Net.Http.Json;
using System.Net;
using Jobmon.Tests.Infrastructure;
using Npgsql;

namespace Jobmon.Tests;

/// <summary>PostgreSQL unreachable is an outage (503, Retry-After, a problem type naming it), never a 500; when it comes
/// back, no request gets one of the pool's broken connections.</summary>
public sealed class PostgresOutageTests : IAsyncLifetime
{
    private TcpRelay _relay = null!;
    private JobmonApp _app = null!;

    public async Task InitializeAsync()
    {
        var direct = new NpgsqlConnectionStringBuilder(await PostgresServer.CreateDatabaseAsync());
        _relay = new TcpRelay(direct.Port);
        var relayed = new NpgsqlConnectionStringBuilder(direct.ConnectionString) { Port = _relay.Port, Timeout = 3 };
        _app = await JobmonApp.StartAsync(relayed.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        _relay.Restore();
        await _app.DisposeAsync();
        await _relay.DisposeAsync();
    }

    /// <summary>A job to query, and a pool full of connections that a cut will break.</summary>
    private async Task<SlurmJob> StartJobAndFillThePoolAsync(string prefix)
    {
        var job = new SlurmJob(Unique.Name(prefix), Unique.SlurmId());
        (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).EnsureSuccessStatusCode();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _app.Admin().GetAsync($"/api/jobs?cluster={job.Cluster}")));
        return job;
    }

    /// <summary>40 requests in a row on PostgreSQL-backed endpoints, every one 200: none got a connection the cut broke.</summary>
    private async Task EveryRequestSucceedsAsync(SlurmJob job)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            using var response = await _app.Admin().GetAsync(i % 2 == 0 ? $"/api/jobs?cluster={job.Cluster}" : "/api/admin/users");
            statuses.Add(response.StatusCode);
        }
        statuses.ShouldAllBe(s => s == HttpStatusCode.OK);
    }

    [Fact]
    public async Task After_a_cut_nobody_sees_during_it_every_request_still_succeeds()
    {
        var job = await StartJobAndFillThePoolAsync("cut");
        _relay.Cut();
        _relay.Restore();
        await EveryRequestSucceedsAsync(job);
    }

    [Fact]
    public async Task Requests_during_an_outage_get_503_naming_PostgreSQL_and_every_request_after_it_succeeds()
    {
        var job = await StartJobAndFillThePoolAsync("outage");

        _relay.Cut();
        var next = new SlurmJob(job.Cluster, Unique.SlurmId());
        foreach (var url in (string[])[$"/api/jobs?cluster={job.Cluster}", "/api/admin/users", "/api/summaries/users", "/api/job_start"])
        {
            using var response = url == "/api/job_start"
                ? await _app.Ingest().PutAsync(url, HttpExtensions.FormJson(next.StartJson()))
                : await _app.Admin().GetAsync(url);
            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, url);
            response.Headers.RetryAfter.ShouldNotBeNull(url);
            var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            problem.GetProperty("type").GetString()!.ShouldEndWith("postgresql-unavailable");
            problem.GetProperty("dependency").GetString().ShouldBe("postgresql");
            problem.ToString().ShouldNotContain("Npgsql"); // no internals
        }

        _relay.Restore();
        // Every request after the outage succeeds: none is handed a connection the cut broke.
        await EveryRequestSucceedsAsync(job);
        var stop = await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster={job.Cluster}", SlurmJob.StopJson(0, job.StartTime + 60));
        stop.StatusCode.ShouldBe(HttpStatusCode.OK);
        // The start refused during the outage is stored when the script resends it (its spool does).
        (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(next.StartJson()))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
