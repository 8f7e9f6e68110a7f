using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Operations.DeadLetters;
using Jobmon.Testing;
using Jobmon.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Jobmon.Tests;

/// <summary>
/// Job-end processing when PostgreSQL fails (issue 18): retried within the budget, a dead letter after it, listed and
/// requeued by an admin. Real PostgreSQL and influxd.
/// <para>How PostgreSQL is made to fail, for real and deterministically: the test holds an ACCESS EXCLUSIVE lock on
/// the job metric archive table in an open transaction, and Jobmon's connections run with <c>lock_timeout</c> 300 ms
/// (set through the connection string). Job-end processing reads and writes that table, so each attempt waits 300 ms
/// and fails with SQLSTATE 55P03 (lock_not_available), the error a long migration or a stuck transaction gives in
/// production. Nothing else Jobmon does in these tests touches that table. Committing the test's transaction ends
/// the outage at a moment the test chooses.</para>
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class JobEndRetryTests(InfluxServer influx)
{
    private static readonly DateTimeOffset Start = new(2025, 5, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Stop = Start.AddHours(1);
    private const string ArchiveTable = "mt_doc_jobmetricarchive";

    private async Task<(JobmonApp App, string Database)> StartAppAsync(Dictionary<string, string?> budget)
    {
        var database = await influx.CreateDatabaseAsync("retry");
        var connection = new NpgsqlConnectionStringBuilder(await PostgresServer.CreateDatabaseAsync())
        {
            Options = "-c lock_timeout=300",
        };
        var settings = new Dictionary<string, string?>
        {
            ["JOBMON_POSTGRES"] = connection.ConnectionString,
            ["JOBMON_INFLUXDB"] = influx.BaseUrl,
            ["JOBMON_INFLUXDB_BUCKET"] = database,
            ["Jobmon:DeadLetterPollSeconds"] = "1",
        };
        foreach (var (k, v) in budget) settings[k] = v;
        var app = await JobmonApp.StartAsync(connection.ConnectionString, extra: settings);
        (await app.Admin().PutAsJsonAsync("/api/admin/catalogue/settings", new { collectorIntervalSeconds = 10 }))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await app.Admin().PutAsJsonAsync("/api/admin/catalogue/metrics/rt_load",
                new { displayName = "rt_load", measurement = "rt_load", unit = "x", scope = "node",
                    defaultAggregation = "mean" }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        return (app, database);
    }

    /// <summary>A one-node job, 10:00–11:00, whose node load is 40 throughout (collector-shaped, every 10 s).</summary>
    private async Task<(Guid Id, SlurmJob Job)> StartJobAsync(JobmonApp app, string database)
    {
        var host = Unique.Name("rt");
        var lines = new StringBuilder();
        for (var t = Start.AddMinutes(-5); t <= Stop.AddMinutes(5); t = t.AddSeconds(10))
            lines.Append($"rt_load,cluster=rt,hostname={host},type=node,type-id=0 value=40 {t.ToUnixTimeSeconds()}\n");
        await influx.WriteAsync(database, lines.ToString());
        var job = new SlurmJob("rt", Unique.SlurmId(), NumNodes: 1, Nodes: host, StartTime: Start.ToUnixTimeSeconds());
        var id = (await (await app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson())))
            .ReadAs<IngestionResult>()).JobId;
        return (id, job);
    }

    private static async Task StopJobAsync(JobmonApp app, SlurmJob job) =>
        (await app.Ingest().PatchJson($"/api/job_stop/{job.Id}?cluster=rt",
            SlurmJob.StopJson(0, Stop.ToUnixTimeSeconds())))
            .EnsureSuccessStatusCode();

    /// <summary>Holds the archive table locked until disposed (the outage).</summary>
    private static async Task<NpgsqlTransaction> LockArchiveTableAsync(NpgsqlConnection connection)
    {
        await connection.OpenAsync();
        var tx = await connection.BeginTransactionAsync();
        await using var cmd =
            new NpgsqlCommand($"lock table jobmon.{ArchiveTable} in access exclusive mode", connection, tx);
        await cmd.ExecuteNonQueryAsync();
        return tx;
    }

    /// <summary>Statements of other sessions that waited (or wait) for the archive table's lock, told apart by their
    /// start time: each is one attempt of job-end processing.</summary>
    private static async Task WaitForLockWaitsAsync(string connectionString, int attempts)
    {
        var withoutTimeout = new NpgsqlConnectionStringBuilder(connectionString) { Options = "" }.ConnectionString;
        await using var observer = new NpgsqlConnection(withoutTimeout);
        await observer.OpenAsync();
        var seen = new HashSet<(int, DateTime)>();
        for (var i = 0; i < 3000 && seen.Count < attempts; i++)
        {
            await using var cmd = new NpgsqlCommand(
                "select a.pid, a.query_start from pg_locks l join pg_class c on c.oid = l.relation " +
                "join pg_stat_activity a on a.pid = l.pid " +
                $"where c.relname = '{ArchiveTable}' and not l.granted", observer);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) seen.Add((reader.GetInt32(0), reader.GetDateTime(1)));
            await Task.Delay(20);
        }
        seen.Count.ShouldBeGreaterThanOrEqualTo(attempts, "job-end processing should have waited for the lock");
    }

    private static async Task<JobView> WaitForStatisticsAsync(JobmonApp app, Guid id)
    {
        JobView? view = null;
        for (var i = 0; i < 240 && view?.StatisticsStopTime != Stop; i++)
        {
            await Task.Delay(250);
            await using var session = app.Store.QuerySession();
            view = await session.LoadAsync<JobView>(id);
        }
        view!.StatisticsStopTime.ShouldBe(Stop);
        return view;
    }

    private static async Task<DeadLetterPage> DeadLettersAsync(JobmonApp app) =>
        await (await app.Admin().GetAsync("/api/admin/dead-letters")).ReadAs<DeadLetterPage>();

    private static HttpRequestMessage Delete(string url) => new(HttpMethod.Delete, url) { Content = Reason("r") };

    private static JsonElement Errors(string problem) => JsonDocument.Parse(problem).RootElement.GetProperty("errors");

    private static StringContent Reason(string reason) =>
        new(JsonSerializer.Serialize(new { reason }), Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_database_error_at_job_end_is_retried_and_the_statistics_arrive_once_it_is_gone()
    {
        var (app, database) = await StartAppAsync(new()
        {
            ["Jobmon:JobEndRetries:Cooldowns:0"] = "00:00:00.200",
            ["Jobmon:JobEndRetries:Cooldowns:1"] = "00:00:00.200",
            ["Jobmon:JobEndRetries:Cooldowns:2"] = "00:00:00.200",
            ["Jobmon:JobEndRetries:Schedule:0"] = "00:00:01", ["Jobmon:JobEndRetries:Schedule:1"] = "00:00:01",
            ["Jobmon:JobEndRetries:Schedule:2"] = "00:00:01", ["Jobmon:JobEndRetries:Schedule:3"] = "00:00:01",
            ["Jobmon:JobEndRetries:InfluxOutageBudget"] = "00:00:10",
        });
        await using var owned = app;
        var (id, job) = await StartJobAsync(app, database);
        await using (var locker = new NpgsqlConnection(app.ConnectionString))
        {
            await using var tx = await LockArchiveTableAsync(locker);
            await StopJobAsync(app, job);
            // Two attempts waited for the lock: the first failed with lock_not_available and was retried.
            await WaitForLockWaitsAsync(app.ConnectionString, 2);
            await using (var session = app.Store.QuerySession())
                (await session.LoadAsync<JobView>(id))!.StatisticsStopTime.ShouldBeNull();
            await tx.CommitAsync(); // the outage ends
        }

        var view = await WaitForStatisticsAsync(app, id);
        view.Statistics["rt_load"].Mean!.Value.ShouldBe(40, 1e-9); // the node's constant load
        view.Statistics["rt_load"].Max!.Value.ShouldBe(40, 1e-9);
        (await DeadLettersAsync(app)).Total.ShouldBe(0);
    }

    [Fact]
    public async Task A_job_end_that_keeps_failing_becomes_a_dead_letter_an_admin_requeues_once_the_cause_is_fixed()
    {
        // Budget: 1 attempt, 1 quick retry after 100 ms, 1 scheduled retry after 1 s: 3 attempts, then a dead letter.
        var (app, database) = await StartAppAsync(new()
        {
            ["Jobmon:JobEndRetries:Cooldowns:0"] = "00:00:00.100",
            ["Jobmon:JobEndRetries:Schedule:0"] = "00:00:01", ["Jobmon:JobEndRetries:InfluxOutageBudget"] = "00:00:05",
        });
        await using var owned = app;
        var (id, job) = await StartJobAsync(app, database);
        DeadLetter letter;
        await using (var locker = new NpgsqlConnection(app.ConnectionString))
        {
            await using var tx = await LockArchiveTableAsync(locker);
            await StopJobAsync(app, job);
            DeadLetterPage page;
            var waited = 0;
            do
            {
                await Task.Delay(250);
                page = await DeadLettersAsync(app);
            } while (page.Total == 0 && ++waited < 240);
            page.Total.ShouldBe(1);
            letter = page.Items.Single();
            letter.JobId.ShouldBe(id);
            letter.MessageType.ShouldContain("FinalizeJobMetrics");
            letter.ExceptionMessage.ShouldContain("lock timeout");
            letter.ExceptionMessage.ShouldNotContain("   at "); // no stack trace
            letter.Attempts.ShouldBe(3);
            letter.Requeued.ShouldBeFalse();

            // Readiness shows the count but stays ready; the gauge follows within its poll.
            var ready = await app.Client().GetAsync("/health/ready");
            var health = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
            var detail = health.GetProperty("checks").GetProperty("deadLetters");
            detail.GetProperty("count").GetInt32().ShouldBe(1);
            detail.GetProperty("status").GetString().ShouldBe("present");
            ((int)ready.StatusCode).ShouldBe(200);
            var count = app.Services.GetRequiredService<DeadLetterCount>();
            for (var i = 0; i < 40 && count.Current != 1; i++) await Task.Delay(250);
            count.Current.ShouldBe(1);

            await using (var session = app.Store.QuerySession())
                (await session.LoadAsync<JobView>(id))!.StatisticsStopTime.ShouldBeNull();
            await tx.CommitAsync(); // the cause is fixed
        }

        // A requeue without a reason is refused; with one, the message is processed again.
        var noReason = await app.Admin().PostAsync($"/api/admin/dead-letters/{letter.Id}/requeue", null);
        noReason.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await noReason.Content.ReadAsStringAsync()).ShouldContain("reason");
        var requeued =
            await app.Admin().PostAsync($"/api/admin/dead-letters/{letter.Id}/requeue", Reason("lock released"));
        requeued.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await requeued.ReadAs<DeadLettersRequeued>()).Requeued.ShouldBe(1);

        var view = await WaitForStatisticsAsync(app, id);
        view.Statistics["rt_load"].Mean!.Value.ShouldBe(40, 1e-9);
        (await DeadLettersAsync(app)).Total.ShouldBe(0);
        // Gone: a second requeue or a delete finds nothing.
        (await app.Admin().PostAsync($"/api/admin/dead-letters/{letter.Id}/requeue", Reason("again"))).StatusCode
            .ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Requeue_and_delete_validate_the_id_and_the_reason_and_are_for_admins_only()
    {
        var (app, _) = await StartAppAsync(new());
        await using var owned = app;
        var unknown = Guid.NewGuid();
        var notFound = await app.Admin().PostAsync($"/api/admin/dead-letters/{unknown}/requeue", Reason("r"));
        notFound.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await app.Admin().SendAsync(Delete($"/api/admin/dead-letters/{unknown}"))).StatusCode
            .ShouldBe(HttpStatusCode.NotFound);

        var badId = await app.Admin().PostAsync("/api/admin/dead-letters/not-a-guid/requeue", Reason("r"));
        badId.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Errors(await badId.Content.ReadAsStringAsync()).TryGetProperty("id", out _).ShouldBeTrue();
        var badDelete = await app.Admin().SendAsync(Delete("/api/admin/dead-letters/12"));
        badDelete.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var blank = await app.Admin().PostAsync("/api/admin/dead-letters/requeue", Reason("   "));
        blank.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Errors(await blank.Content.ReadAsStringAsync()).TryGetProperty("reason", out _).ShouldBeTrue();
        var all = await app.Admin().PostAsync("/api/admin/dead-letters/requeue", Reason("nothing to do"));
        all.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await all.ReadAs<DeadLettersRequeued>()).Requeued.ShouldBe(0);

        var badPage = await app.Admin().GetAsync("/api/admin/dead-letters?pageSize=0");
        badPage.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badPage.Content.ReadAsStringAsync()).ShouldContain("pageSize");

        // Job control (and every non-admin) is refused.
        (await app.Ingest().GetAsync("/api/admin/dead-letters")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await app.Ingest().PostAsync($"/api/admin/dead-letters/{unknown}/requeue", Reason("r"))).StatusCode
            .ShouldBe(HttpStatusCode.Forbidden);
        (await app.Client().GetAsync("/api/admin/dead-letters")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}

/// <summary>The failure rules the running host applies to job-end processing, with the default budget.</summary>
public sealed class JobEndRetryRuleTests : IAsyncLifetime
{
    private JobmonApp _app = null!;
    public async Task InitializeAsync() => _app = await JobmonApp.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>What Wolverine does after the given attempt failed with the exception.</summary>
    private string After(Exception error, int attempt)
    {
        var runtime = (Wolverine.Runtime.WolverineRuntime)_app.Services
            .GetRequiredService<Wolverine.Runtime.IWolverineRuntime>();
        var chain = runtime.Handlers.ChainFor<Jobmon.Metrics.FinalizeJobMetrics>()!;
        foreach (var rule in chain.Failures)
            if (rule.TryCreateContinuation(error, new Wolverine.Envelope { Attempts = attempt }, out var continuation))
                return continuation.GetType().Name;
        return "none";
    }

    [Fact]
    public void Database_errors_get_8_attempts_influxdb_outages_25_and_bugs_4_then_a_dead_letter()
    {
        const string inline = "RetryInlineContinuation", scheduled = "ScheduledRetryContinuation";
        const string dead = "MoveToErrorQueue";
        // Defaults: 3 cooldowns (attempts 1-3), 4 scheduled retries (4-7); InfluxDB 21 scheduled (4-24).
        var database = new PostgresException("canceling statement due to lock timeout", "ERROR", "ERROR", "55P03");
        var wrapped = new InvalidOperationException("Marten Command Failure", database);
        for (var a = 1; a <= 3; a++) After(wrapped, a).ShouldBe(inline, $"attempt {a}");
        for (var a = 4; a <= 7; a++) After(wrapped, a).ShouldBe(scheduled, $"attempt {a}");
        After(wrapped, 8).ShouldBe(dead);

        var influx = new Jobmon.Metrics.MetricsUnavailableException("InfluxDB is unreachable");
        for (var a = 1; a <= 3; a++) After(influx, a).ShouldBe(inline, $"attempt {a}");
        for (var a = 4; a <= 24; a++) After(influx, a).ShouldBe(scheduled, $"attempt {a}");
        After(influx, 25).ShouldBe(dead);

        var bug = new ArgumentException("a bug");
        for (var a = 1; a <= 3; a++) After(bug, a).ShouldBe(inline, $"attempt {a}");
        After(bug, 4).ShouldBe(dead);
        After(new PostgresException("duplicate key", "ERROR", "ERROR", "23505"), 4).ShouldBe(dead);
    }
}

/// <summary>The budget's arithmetic and which errors count as transient (no database needed).</summary>
public sealed class JobEndRetryBudgetTests
{
    [Fact]
    public void The_default_budget_is_about_five_hours_for_the_database_and_three_days_for_influxdb()
    {
        var settings = new JobEndRetrySettings();
        settings.Validate();
        settings.EffectiveCooldowns
            .ShouldBe([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)]);
        // 5 min + 15 min + 1 h + 4 h = 5 h 20 min scheduled.
        settings.EffectiveSchedule.Aggregate(TimeSpan.Zero, (a, b) => a + b).ShouldBe(new TimeSpan(5, 20, 0));
        // InfluxDB: the same, then 4 h steps until 72 h: 5 h 20 min + 17 × 4 h = 73 h 20 min, in 4 + 17 = 21 steps.
        var influx = settings.InfluxSchedule;
        influx.Length.ShouldBe(21);
        influx.Aggregate(TimeSpan.Zero, (a, b) => a + b).ShouldBe(new TimeSpan(73, 20, 0));
    }

    [Fact]
    public void Bad_budgets_stop_start_up_with_the_key_named()
    {
        Should.Throw<InvalidOperationException>(() => new JobEndRetrySettings { Schedule = [] }.Validate())
            .Message.ShouldContain("JobEndRetries:Schedule");
        Should.Throw<InvalidOperationException>(() =>
                new JobEndRetrySettings { Cooldowns = [TimeSpan.FromMinutes(10)] }.Validate())
            .Message.ShouldContain("JobEndRetries:Cooldowns");
        Should.Throw<InvalidOperationException>(() =>
                new JobEndRetrySettings { InfluxOutageBudget = TimeSpan.FromMinutes(1) }.Validate())
            .Message.ShouldContain("JobEndRetries:InfluxOutageBudget");
        Should.Throw<InvalidOperationException>(() =>
                new JobEndRetrySettings
                {
                    Schedule = [TimeSpan.FromSeconds(1)], InfluxOutageBudget = TimeSpan.FromDays(1),
                }.Validate())
            .Message.ShouldContain("more than 1000");
    }

    [Theory]
    [InlineData("08006", true)]  // connection failure
    [InlineData("40001", true)]  // serialization failure
    [InlineData("40P01", true)]  // deadlock
    [InlineData("53300", true)]  // too many connections
    [InlineData("57P01", true)]  // admin shutdown
    [InlineData("55P03", true)]  // lock_timeout
    [InlineData("57014", true)]  // statement_timeout
    [InlineData("23505", false)] // unique violation: a bug, not an outage
    [InlineData("42P01", false)] // undefined table
    [InlineData("22P02", false)] // invalid text representation
    public void Postgres_errors_are_transient_by_their_sqlstate_class(string sqlState, bool transient)
    {
        var error = new PostgresException("m", "ERROR", "ERROR", sqlState);
        TransientErrors.IsTransientDatabaseError(error).ShouldBe(transient);
        // Wrapped as Marten wraps it.
        TransientErrors.IsTransientDatabaseError(new InvalidOperationException("wrapped", error)).ShouldBe(transient);
    }

    [Fact]
    public void Connection_level_failures_are_transient_and_bugs_are_not()
    {
        TransientErrors.IsTransientDatabaseError(new NpgsqlException("Exception while reading from stream",
            new System.IO.EndOfStreamException())).ShouldBeTrue();
        TransientErrors.IsTransientDatabaseError(new TimeoutException()).ShouldBeTrue();
        TransientErrors.IsTransientDatabaseError(new System.Net.Sockets.SocketException(111)).ShouldBeTrue();
        TransientErrors.IsTransientDatabaseError(new ArgumentException("bug")).ShouldBeFalse();
        TransientErrors.IsTransientDatabaseError(new NullReferenceException()).ShouldBeFalse();
        TransientErrors.IsInfluxOutage(new Jobmon.Metrics.MetricsUnavailableException("down")).ShouldBeTrue();
        TransientErrors.IsInfluxOutage(new Jobmon.Metrics.MetricsUnavailableException("rejected", status: 422))
            .ShouldBeFalse();
    }
}
