using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>ClusterCockpit start_job/stop_job payloads land as the same jobs and events (the adapter's own structs:
/// ClusterCockpitAdapterTests).</summary>
[Collection(SharedAppCollection.Name)]
public sealed class ClusterCockpitTests(SharedApp shared)
{
    private readonly JobmonApp _app = shared.App;

    private HttpClient Adapter()
    {
        var client = _app.Client();
        client.DefaultRequestHeaders.Add("X-Auth-Token", JobmonApp.IngestToken);
        return client;
    }

    [Fact]
    public async Task Start_and_stop_payloads_create_and_end_a_job()
    {
        var cluster = Unique.Name("cc");
        var jobId = Unique.SlurmId();
        var start = await Adapter().PostAsJsonAsync("/api/jobs/start_job/", new
        {
            jobId, cluster, subCluster = "main", partition = "gpu", project = "p42", user = "hans", numNodes = 2, numHwthreads = 128, numAcc = 8,
            shared = "none", monitoringStatus = 1, smt = 1, walltime = 86400, startTime = 1_750_000_000, jobState = "running",
            resources = new object[] { new { hostname = "a01", accelerators = new[] { "0", "1", "2", "3" } }, new { hostname = "a02", accelerators = new[] { "0", "1", "2", "3" } } },
            metaData = new { jobName = "bert", jobScript = "#!/bin/bash\nsrun train" },
        });
        start.StatusCode.ShouldBe(HttpStatusCode.Created, await start.Content.ReadAsStringAsync());
        var list = await (await _app.Admin().GetAsync($"/api/jobs?cluster={cluster}")).ReadAs<JobListPage>();
        var job = list.Items.ShouldHaveSingleItem();
        job.TotalGpus.ShouldBe(8);
        job.Account.ShouldBe("p42");
        job.Name.ShouldBe("bert");
        job.NodeList.ShouldBe("a01|a02");

        var stop = await Adapter().PostAsJsonAsync("/api/jobs/stop_job/", new { jobId, cluster, startTime = 1_750_000_000, jobState = "timeout", stopTime = 1_750_086_400 });
        stop.StatusCode.ShouldBe(HttpStatusCode.OK);
        var ended = JsonDocument.Parse(await stop.Content.ReadAsStringAsync()).RootElement; // cc-lib's Job
        ended.GetProperty("jobState").GetString().ShouldBe("timeout");
        ended.GetProperty("duration").GetInt64().ShouldBe(86400);
        var detail = await (await _app.Admin().GetAsync($"/api/jobs/{job.Id}")).ReadAs<JobDetail>();
        detail.State.ShouldBe(JobState.Timeout);
        detail.DurationSeconds.ShouldBe(86400);
        // As cc-backend: a repeated stop is 422 (cc-slurm-adapter logs it and goes on).
        (await Adapter().PostAsJsonAsync("/api/jobs/stop_job/", new { jobId, cluster, jobState = "timeout", stopTime = 1_750_086_400 })).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Invalid_payloads_name_their_fields()
    {
        var response = await Adapter().PostAsJsonAsync("/api/jobs/start_job/", new { jobId = 1, cluster = "x", numNodes = 2, resources = new[] { new { hostname = "a" } } });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        errors.TryGetProperty("resources", out _).ShouldBeTrue();
        errors.TryGetProperty("user", out _).ShouldBeTrue();
        var stop = await Adapter().PostAsJsonAsync("/api/jobs/stop_job/", new { jobState = "exploded", stopTime = 1 });
        var stopErrors = JsonDocument.Parse(await stop.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        stopErrors.TryGetProperty("jobId", out _).ShouldBeTrue();
        stopErrors.TryGetProperty("jobState", out _).ShouldBeTrue();
    }
}
