using System.Net;
using System.Net.Http.Json;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

[Collection(SharedAppCollection.Name)]
public sealed class IngestionTests(SharedApp shared)
{
    private readonly JobmonApp _app = shared.App;

    private async Task<JobDetail> JobAsync(Guid id) => await (await _app.Admin().GetAsync($"/api/jobs/{id}")).ReadAs<JobDetail>();

    private async Task<int> EventCountAsync(Guid id)
    {
        var history = await (await _app.Admin().GetAsync($"/api/jobs/{id}/history")).ReadAs<List<JobHistoryEntry>>();
        return history.Count;
    }

    [Fact]
    public async Task Slurm_script_start_and_stop_produce_a_completed_job_with_history()
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        var client = _app.Client();
        client.DefaultRequestHeaders.Add("Cookie", $"Authorization=Bearer {JobmonApp.IngestToken}");

        var start = await client.PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()));
        start.StatusCode.ShouldBe(HttpStatusCode.OK);
        var started = await start.ReadAs<IngestionResult>();
        started.Stored.ShouldBeTrue();

        var running = await JobAsync(started.JobId);
        running.State.ShouldBe(JobState.Running);
        running.Nodes.ShouldBe(["n001", "n002"]);
        running.Cluster.ShouldBe(job.Cluster);

        var stop = await client.PatchJson($"/api/job_stop/{job.Id}", SlurmJob.StopJson(256, job.StartTime + 3600));
        stop.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await stop.ReadAs<IngestionResult>()).JobId.ShouldBe(started.JobId);

        var ended = await JobAsync(started.JobId);
        ended.State.ShouldBe(JobState.Failed);
        ended.ExitCode.ShouldBe(256);
        ended.ExitDescription.ShouldBe("exit code 1");
        ended.DurationSeconds.ShouldBe(3600);

        var history = await (await _app.Admin().GetAsync($"/api/jobs/{started.JobId}/history")).ReadAs<List<JobHistoryEntry>>();
        history.Select(h => h.Type).ShouldBe(["job_started", "job_ended"]);
        history.ShouldAllBe(h => h.CausedBy == "ingest-token" && h.Source == "slurm-v1" && h.CorrelationId != null);
        history[1].Data.GetProperty("exitCode").GetInt32().ShouldBe(256);
    }

    [Fact]
    public async Task An_append_to_a_job_stream_around_the_writer_is_refused_and_the_job_stays_writable()
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        var client = _app.Client();
        client.DefaultRequestHeaders.Add("Cookie", $"Authorization=Bearer {JobmonApp.IngestToken}");
        var started = await (await client.PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>();
        // A raw append in Quick mode would leave the inline job view's version behind its stream, and every later
        // write of the job (whose expected version is the view's) would fail: JobStreamGuard refuses it.
        await using (var session = _app.Store.LightweightSession())
        {
            session.Events.Append(started.JobId, new JobTagAdded(started.JobId, "raw-append", "test", TagVisibility.Public));
            var refused = await Should.ThrowAsync<InvalidOperationException>(() => session.SaveChangesAsync());
            refused.Message.ShouldContain("JobStreamWriter");
        }

        var stop = await client.PatchJson($"/api/job_stop/{job.Id}", SlurmJob.StopJson(0, job.StartTime + 60));
        stop.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await JobAsync(started.JobId)).State.ShouldBe(JobState.Completed);
        (await EventCountAsync(started.JobId)).ShouldBe(2);
    }

    [Theory]
    [InlineData(0, JobState.Completed, "exit code 0 (success)")]
    [InlineData(256, JobState.Failed, "exit code 1")]
    // SLURM calls a job killed by a signal FAILED (SIGSEGV, kill -9); only SLURM's final record can say CANCELLED.
    [InlineData(9, JobState.Failed, "killed by signal 9 (SIGKILL)")]
    [InlineData(11, JobState.Failed, "killed by signal 11 (SIGSEGV)")]
    public async Task Exit_status_decides_the_state(int exitCode, JobState state, string description)
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        var id = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>()).JobId;
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster={job.Cluster}", SlurmJob.StopJson(exitCode, job.StartTime + 10))).EnsureSuccessStatusCode();
        var detail = await JobAsync(id);
        detail.State.ShouldBe(state);
        detail.ExitDescription.ShouldBe(description);
    }

    [Fact]
    public async Task Repeated_start_with_same_content_is_accepted_without_a_new_event()
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        var first = await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>();
        var again = await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()));
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        var second = await again.ReadAs<IngestionResult>();
        second.JobId.ShouldBe(first.JobId);
        second.Stored.ShouldBeFalse();
        (await EventCountAsync(first.JobId)).ShouldBe(1);
    }

    [Fact]
    public async Task Conflicting_start_for_a_running_job_is_409_and_stores_nothing()
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        var first = await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>();
        var conflicting = await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson((job with { User = "mallory" }).StartJson()));
        conflicting.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await conflicting.Content.ReadAsStringAsync()).ShouldContain("already running");
        (await EventCountAsync(first.JobId)).ShouldBe(1);
        var list = await (await _app.Admin().GetAsync($"/api/jobs?cluster={job.Cluster}")).ReadAs<JobListPage>();
        list.Total.ShouldBe(1);
    }

    [Fact]
    public async Task Repeated_stop_is_accepted_without_a_new_event()
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        var id = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>()).JobId;
        var stop = SlurmJob.StopJson(0, job.StartTime + 60);
        (await (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}", stop)).ReadAs<IngestionResult>()).Stored.ShouldBeTrue();
        var again = await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}", stop);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await again.ReadAs<IngestionResult>()).Stored.ShouldBeFalse();
        (await EventCountAsync(id)).ShouldBe(2);
    }

    [Fact]
    public async Task Same_id_on_two_clusters_and_reused_ids_are_separate_jobs()
    {
        var id = Unique.SlurmId();
        var a = new SlurmJob(Unique.Name("a"), id);
        var b = new SlurmJob(Unique.Name("b"), id);
        var jobA = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(a.StartJson()))).ReadAs<IngestionResult>()).JobId;
        var jobB = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(b.StartJson()))).ReadAs<IngestionResult>()).JobId;
        jobA.ShouldNotBe(jobB);

        // Without a cluster the stop is ambiguous: 409 naming both clusters, nothing stored.
        var ambiguous = await _app.Ingest().PatchJson($"/api/job_stop/{id}", SlurmJob.StopJson(0, a.StartTime + 5));
        ambiguous.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await ambiguous.Content.ReadAsStringAsync();
        problem.ShouldContain(a.Cluster);
        problem.ShouldContain(b.Cluster);

        // Body clusterId and ?cluster= both address one cluster.
        (await _app.Ingest().PatchJson($"/api/job_stop/{id}", $$"""{"exitCode":0,"stopTime":{{a.StartTime + 5}},"clusterId":"{{a.Cluster}}"}""")).EnsureSuccessStatusCode();
        (await JobAsync(jobA)).State.ShouldBe(JobState.Completed);
        (await JobAsync(jobB)).State.ShouldBe(JobState.Running);

        // Only one running job with that id now: the stop without cluster means it.
        (await _app.Ingest().PatchJson($"/api/job_stop/{id}", SlurmJob.StopJson(0, b.StartTime + 7))).EnsureSuccessStatusCode();
        (await JobAsync(jobB)).State.ShouldBe(JobState.Completed);

        // Months later the id comes back on cluster a: a new job, the old one untouched.
        var reused = a with { StartTime = a.StartTime + 90 * 86400, User = "bob" };
        var jobA2 = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(reused.StartJson()))).ReadAs<IngestionResult>()).JobId;
        jobA2.ShouldNotBe(jobA);
        (await JobAsync(jobA)).User.ShouldBe("alice");
        var byIdentity = await (await _app.Admin().GetAsync($"/api/v2/clusters/{a.Cluster}/jobs/{id}")).ReadAs<List<JobListItem>>();
        byIdentity.Select(j => j.Id).ShouldBe([jobA2, jobA]);
    }

    [Fact]
    public async Task Stop_without_start_is_kept_and_a_late_start_completes_it()
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        var stop = await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster={job.Cluster}", SlurmJob.StopJson(0, job.StartTime + 600));
        stop.StatusCode.ShouldBe(HttpStatusCode.OK);
        var orphanId = (await stop.ReadAs<IngestionResult>()).JobId;

        var orphan = await JobAsync(orphanId);
        orphan.StartKnown.ShouldBeFalse();
        orphan.State.ShouldBe(JobState.Completed);
        orphan.EndReason.ShouldBe("the job's start was never received");
        var unknownStarts = await (await _app.Admin().GetAsync($"/api/jobs?cluster={job.Cluster}&startKnown=false")).ReadAs<JobListPage>();
        unknownStarts.Items.Single().Id.ShouldBe(orphanId);

        var start = await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>();
        start.JobId.ShouldBe(orphanId);
        var completed = await JobAsync(orphanId);
        completed.StartKnown.ShouldBeTrue();
        completed.State.ShouldBe(JobState.Completed);
        completed.User.ShouldBe("alice");
        completed.DurationSeconds.ShouldBe(600);
        completed.EndReason.ShouldBeNull();
    }

    [Fact]
    public async Task V2_api_starts_and_stops_jobs()
    {
        var cluster = Unique.Name("v");
        var slurmId = Unique.SlurmId();
        var start = await _app.Ingest().PostAsJsonAsync($"/api/v2/clusters/{cluster}/jobs", new
        {
            jobId = slurmId, user = "carol", account = "p2", name = "train", partition = "gpu", nodes = new[] { "g1", "g2" },
            gpusPerNode = 4, numTasks = 8, startTime = "2025-06-01T10:00:00Z",
        });
        start.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await start.ReadAs<IngestionResult>()).JobId;
        start.Headers.Location!.ToString().ShouldBe($"/api/jobs/{id}");
        var stop = await _app.Ingest().PostAsJsonAsync($"/api/v2/clusters/{cluster}/jobs/{slurmId}/stop", new { exitCode = 0, stopTime = "2025-06-01T12:00:00Z" });
        stop.StatusCode.ShouldBe(HttpStatusCode.OK);
        var detail = await JobAsync(id);
        detail.TotalGpus.ShouldBe(8);
        detail.DurationSeconds.ShouldBe(7200);
        detail.State.ShouldBe(JobState.Completed);
    }

    [Fact]
    public async Task Concurrent_identical_starts_create_exactly_one_job()
    {
        var job = new SlurmJob(Unique.Name("c"), Unique.SlurmId());
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))));
        results.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        var ids = await Task.WhenAll(results.Select(r => r.ReadAs<IngestionResult>()));
        ids.Select(r => r.JobId).Distinct().Count().ShouldBe(1);
        ids.Count(r => r.Stored).ShouldBe(1);
    }
    [Fact]
    public async Task Concurrent_requests_are_committed_together_yet_each_event_keeps_its_own_request_and_a_job_ends_once()
    {
        // Many requests at once go through the group-commit writers: each event must still carry its own request's
        // correlation id, and four identical stops of one job must store exactly one end.
        var cluster = Unique.Name("g");
        var jobs = Enumerable.Range(0, 30).Select(_ => new SlurmJob(cluster, Unique.SlurmId())).ToList();
        async Task<IngestionResult> Send(Func<HttpClient, Task<HttpResponseMessage>> request, string correlationId)
        {
            var client = _app.Ingest();
            client.DefaultRequestHeaders.Add("X-Correlation-Id", correlationId);
            var response = await request(client);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            return await response.ReadAs<IngestionResult>();
        }

        var starts = await Task.WhenAll(jobs.Select((j, i) =>
            Send(c => c.PutAsync("/api/job_start", HttpExtensions.FormJson(j.StartJson())), $"start-{cluster}-{i}")));
        starts.ShouldAllBe(s => s.Stored);
        starts.Select(s => s.JobId).Distinct().Count().ShouldBe(jobs.Count);

        var stops = await Task.WhenAll(jobs.SelectMany((j, i) => Enumerable.Range(0, 4).Select(k =>
            Send(c => c.PatchJson($"/api/job_stop/{j.Id}?cluster={cluster}", SlurmJob.StopJson(0, j.StartTime + 600)), $"stop-{cluster}-{i}-{k}"))));
        for (var i = 0; i < jobs.Count; i++)
        {
            var mine = stops.Skip(4 * i).Take(4).ToList();
            mine.ShouldAllBe(s => s.JobId == starts[i].JobId);
            mine.Count(s => s.Stored).ShouldBe(1);

            var history = await (await _app.Admin().GetAsync($"/api/jobs/{starts[i].JobId}/history")).ReadAs<List<JobHistoryEntry>>();
            history.Select(h => h.Type).ShouldBe(["job_started", "job_ended"]);
            history[0].CorrelationId.ShouldBe($"start-{cluster}-{i}");
            history[1].CorrelationId!.ShouldStartWith($"stop-{cluster}-{i}-");
            history.ShouldAllBe(h => h.CausedBy == "ingest-token" && h.Source == "slurm-v1");
            (await JobAsync(starts[i].JobId)).State.ShouldBe(JobState.Completed);
        }
    }

    [Fact]
    public async Task The_ingestion_batch_writes_the_same_rows_as_Martens_own_append_and_Marten_appends_after_it()
    {
        // Job A goes through the HTTP API (the group-commit batch, each event stamped with its own request's metadata);
        // job B gets the same events through a plain Marten session with the metadata set on the session. Every stored
        // column must agree.
        var job = new SlurmJob(Unique.Name("m"), Unique.SlurmId());
        var a = (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<IngestionResult>()).JobId;
        (await _app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster={job.Cluster}", SlurmJob.StopJson(0, job.StartTime + 600))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var b = Guid.CreateVersion7();
        await using (var session = _app.Store.LightweightSession())
        {
            var written = await session.Events.FetchStreamAsync(a);
            written.Select(e => e.Version).ShouldBe([1L, 2L]);
            written.Select(e => e.EventTypeName).ShouldBe(["job_started", "job_ended"]);
            written.ShouldAllBe(e => e.Headers!["source"].ToString() == "slurm-v1" && e.Headers["causedBy"].ToString() == "ingest-token");
            new EventContext("ingest-token", "marten-" + b, "slurm-v1").ApplyTo(session);
            session.Events.StartStream<JobView>(b, ((JobStarted)written[0].Data) with { JobId = b }, ((JobEnded)written[1].Data) with { JobId = b });
            await session.SaveChangesAsync();
        }

        await using var conn = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await conn.OpenAsync();
        var schema = _app.Store.Options.Events.DatabaseSchemaName;
        async Task<List<string>> Rows(string sql, Guid id)
        {
            await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
            cmd.Parameters.AddWithValue("id", id);
            await using var reader = await cmd.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
            return rows;
        }
        // Identity, time and the job id inside the payload differ by construction; everything else must not.
        var events = $"select (to_jsonb(e) - 'seq_id' - 'id' - 'stream_id' - 'timestamp' - 'correlation_id' || jsonb_build_object('data', e.data - 'jobId'))::text from {schema}.mt_events e where stream_id = @id order by version";
        var streams = $"select (to_jsonb(s) - 'id' - 'timestamp' - 'created')::text from {schema}.mt_streams s where id = @id";
        var views = $"select (to_jsonb(d) - 'id' - 'mt_last_modified' || jsonb_build_object('data', d.data - 'id' - 'lastChangedAt'))::text from {schema}.mt_doc_jobview d where id = @id";
        var eventsA = await Rows(events, a);
        eventsA.Count.ShouldBe(2);
        eventsA.ShouldBe(await Rows(events, b));
        (await Rows(streams, a)).ShouldBe(await Rows(streams, b));
        (await Rows(views, a)).ShouldHaveSingleItem().ShouldBe((await Rows(views, b)).Single());
        (await Rows($"select (seq_id < (select seq_id from {schema}.mt_events where stream_id = @id and version = 2))::text from {schema}.mt_events where stream_id = @id and version = 1", a)).ShouldBe(["true"]);

        // Marten appends after the batch's events: the stream's version is where Marten expects it.
        (await _app.Admin().PostAsJsonAsync($"/api/jobs/{a}/tags", new { name = "after-batch" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var history = await (await _app.Admin().GetAsync($"/api/jobs/{a}/history")).ReadAs<List<JobHistoryEntry>>();
        history.Select(h => h.Type).ShouldBe(["job_started", "job_ended", "job_tag_added"]);
        (await Rows($"select mt_version::text from {schema}.mt_doc_jobview where id = @id", a)).ShouldBe(["3"]);
    }
}
