using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>
/// cc-slurm-adapter (ClusterCockpit/cc-slurm-adapter 8101095, internal/cc/interface.go) against Jobmon, unchanged: its
/// requests are built and its answers decoded with C# mirrors of its Go structs (cc-lib v2.10.0 schema.Job and
/// friends, the adapter's CCStopJobRequest and its anonymous list response), field for field with the same json tags.
/// Expected status codes are cc-backend's (internal/api/job.go): start 201/422, stop 200/422/404, 400 for bad input.
/// </summary>
[Collection(SharedAppCollection.Name)]
public sealed class ClusterCockpitAdapterTests(SharedApp shared)
{
    private readonly JobmonApp _app = shared.App;

    // ---- Mirrors of the Go structs (omitempty → skipped when default; no omitempty → always written). ----

    /// <summary>cc-lib schema.Job (RawX fields are json:"-" and absent).</summary>
    private sealed class Job
    {
        [JsonPropertyName("cluster")] public string Cluster { get; set; } = "";
        [JsonPropertyName("subCluster")] public string SubCluster { get; set; } = "";
        [JsonPropertyName("partition"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Partition { get; set; }
        [JsonPropertyName("project")] public string Project { get; set; } = "";
        [JsonPropertyName("user")] public string User { get; set; } = "";
        [JsonPropertyName("shared")] public string Shared { get; set; } = "";
        [JsonPropertyName("jobState")] public string State { get; set; } = "";
        [JsonPropertyName("tags"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<Tag>? Tags { get; set; }
        [JsonPropertyName("resources")] public List<Resource>? Resources { get; set; }
        [JsonPropertyName("energyFootprint")] public Dictionary<string, double>? EnergyFootprint { get; set; }
        [JsonPropertyName("footprint")] public Dictionary<string, double>? Footprint { get; set; }
        [JsonPropertyName("metaData")] public Dictionary<string, string>? MetaData { get; set; }
        [JsonPropertyName("concurrentJobs")] public JobLinkResultList ConcurrentJobs { get; set; } = new();
        [JsonPropertyName("energy")] public double Energy { get; set; }
        [JsonPropertyName("arrayJobId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long ArrayJobID { get; set; }
        [JsonPropertyName("walltime"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Walltime { get; set; }
        [JsonPropertyName("requestedMemory"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long RequestedMemory { get; set; }
        [JsonPropertyName("jobId")] public long JobID { get; set; }
        [JsonPropertyName("duration")] public int Duration { get; set; }
        [JsonPropertyName("smt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int SMT { get; set; }
        [JsonPropertyName("monitoringStatus"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int MonitoringStatus { get; set; }
        [JsonPropertyName("numAcc"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int NumAcc { get; set; }
        [JsonPropertyName("numHwthreads"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int NumHWThreads { get; set; }
        [JsonPropertyName("numNodes")] public int NumNodes { get; set; }
        [JsonPropertyName("statistics")] public Dictionary<string, JobStatistics>? Statistics { get; set; }
        [JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long? ID { get; set; }
        [JsonPropertyName("submitTime"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long SubmitTime { get; set; }
        [JsonPropertyName("startTime")] public long StartTime { get; set; }
    }

    private sealed class JobLink
    {
        [JsonPropertyName("id")] public long ID { get; set; }
        [JsonPropertyName("jobId")] public long JobID { get; set; }
    }

    private sealed class JobLinkResultList
    {
        [JsonPropertyName("items")] public List<JobLink>? Items { get; set; }
        [JsonPropertyName("count")] public int Count { get; set; }
    }

    private sealed class Unit
    {
        [JsonPropertyName("base")] public string Base { get; set; } = "";
        [JsonPropertyName("prefix"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Prefix { get; set; }
    }

    private sealed class JobStatistics
    {
        [JsonPropertyName("unit")] public Unit Unit { get; set; } = new();
        [JsonPropertyName("avg")] public double Avg { get; set; }
        [JsonPropertyName("min")] public double Min { get; set; }
        [JsonPropertyName("max")] public double Max { get; set; }
    }

    private sealed class Tag
    {
        [JsonPropertyName("type")] public string Type { get; set; } = "";
        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("scope")] public string Scope { get; set; } = "";
        [JsonPropertyName("id")] public long ID { get; set; }
    }

    private sealed class Resource
    {
        [JsonPropertyName("hostname")] public string Hostname { get; set; } = "";
        [JsonPropertyName("configuration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Configuration { get; set; }
        [JsonPropertyName("hwthreads"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<int>? HWThreads { get; set; }
        [JsonPropertyName("accelerators"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<string>? Accelerators { get; set; }
    }

    /// <summary>The adapter's types.CCStopJobRequest.</summary>
    private sealed class CCStopJobRequest
    {
        [JsonPropertyName("jobId")] public long JobId { get; set; }
        [JsonPropertyName("cluster")] public string Cluster { get; set; } = "";
        [JsonPropertyName("jobState")] public string State { get; set; } = "";
        [JsonPropertyName("stopTime")] public long StopTime { get; set; }
    }

    /// <summary>The adapter's anonymous struct in CacheUpdate.</summary>
    private sealed class GetJobsApiResponse
    {
        [JsonPropertyName("jobs")] public List<Job>? Jobs { get; set; }
        [JsonPropertyName("items")] public int Items { get; set; }
        [JsonPropertyName("page")] public int Page { get; set; }
    }

    /// <summary>Go's encoding/json: keys matched case-insensitively, unknown keys ignored, wrong types an error.</summary>
    private static readonly JsonSerializerOptions Go = new() { PropertyNameCaseInsensitive = true };

    private static T Decode<T>(string body) => JsonSerializer.Deserialize<T>(body, Go)!;

    // ---- The adapter's calls (ccGet/ccPost: X-AUTH-TOKEN, accept application/ld+json, Content-Type application/json). ----

    private HttpClient Adapter(string token = JobmonApp.IngestToken)
    {
        var client = _app.Client();
        client.DefaultRequestHeaders.Add("X-AUTH-TOKEN", token);
        client.DefaultRequestHeaders.Add("accept", "application/ld+json");
        return client;
    }

    private async Task<(HttpStatusCode Status, string Body)> Post(string path, object payload, HttpClient? client = null)
    {
        var json = payload as string ?? JsonSerializer.Serialize(payload, payload.GetType());
        using var response = await (client ?? Adapter()).PostAsync("/api" + path, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<GetJobsApiResponse> RunningJobs()
    {
        using var response = await Adapter().GetAsync("/api/jobs/?state=running&items-per-page=9999999&page=1&with-metadata=false");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return Decode<GetJobsApiResponse>(body);
    }

    /// <summary>CCStartJob's request as the adapter fills it (schema.Job with only these fields set).</summary>
    private static Job StartRequest(string cluster, long jobId, long startTime) => new()
    {
        Cluster = cluster, Partition = "gpu", Project = "p42", ArrayJobID = 4711, NumNodes = 2, NumHWThreads = 128, NumAcc = 8,
        Shared = "none", Walltime = 86400,
        Resources =
        [
            new() { Hostname = "a01", HWThreads = [0, 1, 2, 3], Accelerators = ["0", "1", "2", "3"] },
            new() { Hostname = "a02", HWThreads = [0, 1, 2, 3], Accelerators = ["0", "1", "2", "3"] },
        ],
        MetaData = new() { ["jobName"] = "bert", ["slurmInfo"] = "JobId=1 JobName=bert", ["submitTime"] = (startTime - 300).ToString(), ["jobScript"] = "#!/bin/bash\nsrun train" },
        JobID = jobId, User = "hans", StartTime = startTime,
    };

    [Fact]
    public async Task The_adapters_list_start_and_stop_work_as_against_cc_backend()
    {
        var cluster = Unique.Name("cc");
        var jobId = Unique.SlurmId();
        var start = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();

        // Its first call, with its job-control token: 200 and cc-backend's shape.
        var before = await RunningJobs();
        before.Items.ShouldBe(9999999);
        before.Page.ShouldBe(1);
        before.Jobs!.ShouldNotContain(j => j.Cluster == cluster);

        var request = StartRequest(cluster, jobId, start);
        var started = await Post("/jobs/start_job/", request);
        started.Status.ShouldBe(HttpStatusCode.Created, started.Body);
        JsonDocument.Parse(started.Body).RootElement.GetProperty("msg").GetString().ShouldBe("success");
        (await Post("/jobs/start_job/", request)).Status.ShouldBe(HttpStatusCode.UnprocessableEntity);

        var running = (await RunningJobs()).Jobs!.Where(j => j.Cluster == cluster).ShouldHaveSingleItem();
        running.JobID.ShouldBe(jobId);
        running.State.ShouldBe("running");
        running.User.ShouldBe("hans");
        running.Project.ShouldBe("p42");
        running.Partition.ShouldBe("gpu");
        running.NumNodes.ShouldBe(2);
        running.NumAcc.ShouldBe(8);
        running.NumHWThreads.ShouldBe(128);
        running.Walltime.ShouldBe(86400);
        running.ArrayJobID.ShouldBe(4711);
        running.StartTime.ShouldBe(start);
        running.SubmitTime.ShouldBe(start - 300);
        running.Resources!.Select(r => r.Hostname).ShouldBe(["a01", "a02"]);
        running.Resources![1].HWThreads.ShouldBe([0, 1, 2, 3]);
        running.Resources![1].Accelerators.ShouldBe(["0", "1", "2", "3"]);
        running.MetaData.ShouldBeNull(); // with-metadata=false

        // Walltime, submit time and SLURM's info are on the job (the job page shows them).
        var listed = (await (await _app.Admin().GetAsync($"/api/jobs?cluster={cluster}")).ReadAs<JobListPage>()).Items.ShouldHaveSingleItem();
        var detail = await (await _app.Admin().GetAsync($"/api/jobs/{listed.Id}")).ReadAs<JobDetail>();
        detail.Name.ShouldBe("bert");
        detail.TotalGpus.ShouldBe(8);
        detail.Scheduler!.WalltimeSeconds.ShouldBe(86400);
        detail.Scheduler.SubmitTime.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(start - 300));
        detail.Scheduler.MetaData["slurmInfo"].ShouldBe("JobId=1 JobName=bert");

        // CCStopJob: no startTime, the state as SLURM named it.
        var stop = new CCStopJobRequest { JobId = jobId, Cluster = cluster, State = "out_of_memory", StopTime = start + 1800 };
        var stopped = await Post("/jobs/stop_job/", stop);
        stopped.Status.ShouldBe(HttpStatusCode.OK, stopped.Body);
        var ended = Decode<Job>(stopped.Body);
        ended.State.ShouldBe("out_of_memory");
        ended.Duration.ShouldBe(1800);
        ended.JobID.ShouldBe(jobId);
        (await Post("/jobs/stop_job/", stop)).Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await RunningJobs()).Jobs!.ShouldNotContain(j => j.Cluster == cluster);

        detail = await (await _app.Admin().GetAsync($"/api/jobs/{listed.Id}")).ReadAs<JobDetail>();
        detail.State.ShouldBe(JobState.OutOfMemory);
        detail.ExitCode.ShouldBeNull(); // cc reports a state, never an exit code
        detail.DurationSeconds.ShouldBe(1800);
    }

    [Fact]
    public async Task Status_codes_and_the_job_control_key_are_cc_backends()
    {
        var cluster = Unique.Name("cc");
        // Unknown job → 404; unknown field → 400 naming it; stop before start → 400.
        (await Post("/jobs/stop_job/", new CCStopJobRequest { JobId = Unique.SlurmId(), Cluster = cluster, State = "completed", StopTime = 1_750_000_000 }))
            .Status.ShouldBe(HttpStatusCode.NotFound);
        var unknown = await Post("/jobs/stop_job/", """{"jobId": 5, "cluster": "x", "jobState": "completed", "stopTime": 1750000000, "exitCode": 0}""");
        unknown.Status.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(unknown.Body).RootElement.GetProperty("errors").TryGetProperty("exitCode", out _).ShouldBeTrue();
        var startUnknown = await Post("/jobs/start_job/", """{"jobId": 5, "cluster": "x", "user": "u", "numNodes": 1, "startTime": 1750000000, "resources": [{"hostname": "n1"}], "color": "red"}""");
        startUnknown.Status.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(startUnknown.Body).RootElement.GetProperty("errors").TryGetProperty("color", out _).ShouldBeTrue();
        var jobId = Unique.SlurmId();
        (await Post("/jobs/start_job/", StartRequest(cluster, jobId, 1_750_000_000))).Status.ShouldBe(HttpStatusCode.Created);
        (await Post("/jobs/stop_job/", new CCStopJobRequest { JobId = jobId, Cluster = cluster, State = "completed", StopTime = 1_749_999_000 }))
            .Status.ShouldBe(HttpStatusCode.BadRequest);
        (await Post("/jobs/stop_job/", new CCStopJobRequest { JobId = jobId, Cluster = cluster, State = "exploded", StopTime = 1_750_000_100 }))
            .Status.ShouldBe(HttpStatusCode.BadRequest);

        // A job-control key lists running jobs, nothing more: not all jobs, not ended ones, not a job's details.
        (await Adapter().GetAsync("/api/jobs/")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Adapter().GetAsync("/api/jobs/?state=completed")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Adapter().GetAsync("/api/jobs?cluster=" + cluster)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Adapter().GetAsync("/api/jobs/?state=running&bogus=1")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Adapter().GetAsync("/api/jobs/?state=exploded")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        // An admin sees every state; the list is newest first and paged as cc-backend pages.
        var all = Decode<GetJobsApiResponse>(await _app.Admin().GetStringAsync($"/api/jobs/?cluster={cluster}&items-per-page=1&page=1"));
        all.Items.ShouldBe(1);
        all.Jobs!.ShouldHaveSingleItem().JobID.ShouldBe(jobId);
        Decode<GetJobsApiResponse>(await _app.Admin().GetStringAsync($"/api/jobs/?cluster={cluster}&items-per-page=1&page=2")).Jobs!.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_stop_is_matched_by_its_start_time_so_a_late_stop_never_ends_a_reuse_of_the_id()
    {
        var cluster = Unique.Name("cc");
        var jobId = Unique.SlurmId();
        (await Post("/jobs/start_job/", StartRequest(cluster, jobId, 1_750_000_000))).Status.ShouldBe(HttpStatusCode.Created);
        (await Post("/jobs/stop_job/", """{"jobId": %ID%, "cluster": "%C%", "startTime": 1750000000, "jobState": "completed", "stopTime": 1750000500}"""
            .Replace("%ID%", jobId.ToString()).Replace("%C%", cluster))).Status.ShouldBe(HttpStatusCode.OK);
        // The id is reused two days later (a requeue or a wrapped counter).
        (await Post("/jobs/start_job/", StartRequest(cluster, jobId, 1_750_172_800))).Status.ShouldBe(HttpStatusCode.Created);

        // A late repeat of the first job's stop names its start: 422, and the running reuse is untouched.
        var late = await Post("/jobs/stop_job/", """{"jobId": %ID%, "cluster": "%C%", "startTime": 1750000000, "jobState": "completed", "stopTime": 1750000999}"""
            .Replace("%ID%", jobId.ToString()).Replace("%C%", cluster));
        late.Status.ShouldBe(HttpStatusCode.UnprocessableEntity, late.Body);
        var page = await (await _app.Admin().GetAsync($"/api/jobs?cluster={cluster}&sort=startTime&order=asc")).ReadAs<JobListPage>();
        page.Items.Select(j => (j.State, j.DurationSeconds is { } d && j.State != JobState.Running ? d : -1)).ShouldBe([(JobState.Completed, 500L), (JobState.Running, -1L)]);

        var stopSecond = await Post("/jobs/stop_job/", """{"jobId": %ID%, "cluster": "%C%", "startTime": 1750172800, "jobState": "preempted", "stopTime": 1750173000}"""
            .Replace("%ID%", jobId.ToString()).Replace("%C%", cluster));
        stopSecond.Status.ShouldBe(HttpStatusCode.OK, stopSecond.Body);
        Decode<Job>(stopSecond.Body).Duration.ShouldBe(200);
    }

    [Theory]
    [InlineData("completed", JobState.Completed)]
    [InlineData("failed", JobState.Failed)]
    [InlineData("cancelled", JobState.Cancelled)]
    [InlineData("timeout", JobState.Timeout)]
    [InlineData("preempted", JobState.Preempted)]
    [InlineData("out_of_memory", JobState.OutOfMemory)]
    [InlineData("node_fail", JobState.NodeFail)]
    [InlineData("boot_fail", JobState.BootFail)]
    [InlineData("deadline", JobState.Deadline)]
    [InlineData("stopped", JobState.Stopped)]
    [InlineData("", JobState.Completed)] // cc-backend: an empty state means completed
    public async Task Every_cc_job_state_is_stored_as_such_without_an_invented_exit_code(string ccState, JobState expected)
    {
        var cluster = Unique.Name("cc");
        var jobId = Unique.SlurmId();
        (await Post("/jobs/start_job/", StartRequest(cluster, jobId, 1_750_000_000))).Status.ShouldBe(HttpStatusCode.Created);
        var stopped = await Post("/jobs/stop_job/", new CCStopJobRequest { JobId = jobId, Cluster = cluster, State = ccState, StopTime = 1_750_000_060 });
        stopped.Status.ShouldBe(HttpStatusCode.OK, stopped.Body);
        Decode<Job>(stopped.Body).State.ShouldBe(ccState == "" ? "completed" : ccState);
        var job = (await (await _app.Admin().GetAsync($"/api/jobs?cluster={cluster}")).ReadAs<JobListPage>()).Items.ShouldHaveSingleItem();
        job.State.ShouldBe(expected);
        job.ExitCode.ShouldBeNull();
        // And back: cc's list names it as cc does.
        var listed = Decode<GetJobsApiResponse>(await _app.Admin().GetStringAsync($"/api/jobs/?cluster={cluster}"));
        listed.Jobs!.ShouldHaveSingleItem().State.ShouldBe(ccState == "" ? "completed" : ccState);
    }
}
