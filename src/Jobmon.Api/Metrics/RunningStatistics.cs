using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;
using Npgsql;
using Wolverine;

namespace Jobmon.Metrics;



/// <summary>
/// Every Jobmon:JobMetrics:RunningStatisticsInterval (default 10 min) computes the statistics of the running jobs from
/// InfluxDB (one scan per metric, as at job end), records them in each job's stream and raises new findings (e.g. idle
/// GPUs) with the same classification rules. One replica does a round (a PostgreSQL advisory lock); the others skip it.
/// </summary>
public sealed class RunningStatistics(IServiceProvider services, JobmonSettings settings, JobMetricsSettings jobMetrics,
    TimeProvider clock, ILogger<RunningStatistics> logger) : BackgroundService
{
    private const long LockKey = 0x4A4D_5253; // "JMRS"

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = jobMetrics.RunningStatisticsInterval;
        if (every <= TimeSpan.Zero || settings.InfluxUrl is null) return;
        using var timer = new PeriodicTimer(every, clock);
        do
        {
            try { await RoundAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e) { logger.LogWarning(e,
                "Running-job statistics: the round failed; the next one retries"); }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task RoundAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.PostgresConnectionString);
        await connection.OpenAsync(ct);
        await using (var take = new NpgsqlCommand($"select pg_try_advisory_lock({LockKey})", connection))
            if (await take.ExecuteScalarAsync(ct) is not true) return; // another replica is doing this round
        try
        {
            var store = services.GetRequiredService<IDocumentStore>();
            var now = clock.GetUtcNow();
            var youngest = now - jobMetrics.RunningStatisticsMinAge;
            IReadOnlyList<JobView> running;
            await using (var query = store.QuerySession())
                running = await query.Query<JobView>()
                    .Where(j => j.State == JobState.Running && j.StartTime != null && j.StartTime <= youngest)
                    .ToListAsync(ct);
            foreach (var job in running)
            {
                try { await RefreshAsync(job, ct); }
                catch (MetricsUnavailableException e) { logger.LogWarning("Running-job statistics: InfluxDB " +
                    "unavailable ({Reason}); next round", e.Message); return; }
            }
        }
        finally
        {
            await using var release = new NpgsqlCommand($"select pg_advisory_unlock({LockKey})", connection);
            await release.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    private async Task RefreshAsync(JobView job, CancellationToken ct)
    {
        var metrics = services.GetRequiredService<JobMetricsService>();
        var c = await services.GetRequiredService<CatalogueStore>().LoadAsync(ct);
        var (defs, _, _) = c.MetricsFor(job.Cluster, job.Partition, job.Nodes);
        // Huge jobs get no snapshot: their page is a band computed by InfluxDB (NodeBands.Huge), and a snapshot of
        // 150,000 nodes' series would be gigabytes in memory.
        if (defs.Count == 0 || job.Nodes.Length == 0 || job.Nodes.Length > jobMetrics.HugeAboveNodes) return;
        var now = clock.GetUtcNow();
        // Incremental: the last round's snapshot plus InfluxDB since then; a full scan only when there is none or its
        // grid no longer fits the job's length. The snapshot also answers the job page (MetricsEndpoints).
        JobMetricArchive? snapshot;
        await using (var query = services.GetRequiredService<IDocumentStore>().QuerySession()) snapshot =
            await query.LoadAsync<JobMetricArchive>(job.Id, ct);
        var content = snapshot is { Format: JobMetricArchive.CurrentFormat }
            ? await JobArchiving.ExtendAsync(metrics, defs, job.Nodes, ArchiveContent.Decompress(snapshot.Compressed),
                now, c.CollectorIntervalSeconds, ct)
            : null;
        content ??= (await JobArchiving.QueryAsync(metrics, defs, job.Nodes, job.StartTime!.Value, now,
            c.CollectorIntervalSeconds, [], ct)).Content;
        var stats = JobArchiving.Statistics(content, defs);
        if (stats.Count == 0) return;
        // The rules' minimum durations count the time run so far.
        var sofar = job with { DurationSeconds = (long)(now - job.StartTime!.Value).TotalSeconds };
        var findings = Classifier.Classify(sofar, stats, defs.ToDictionary(d => d.Name),
            jobMetrics.ClassificationRules);

        JobFinding[] raised = [];
        var writer = services.GetRequiredService<JobStreamWriter>();
        await writer.WriteAsync(job.Id, new EventContext("jobmon", Guid.NewGuid().ToString("N"), "running-statistics"),
            (current, session) =>
        {
            // Decided on the job as it is now (re-run after a conflict): ended meanwhile → nothing; a finding raised
            // before → not again.
            if (current is not { State: JobState.Running })
                return new Decision.AlreadyKnown(job.Id, "no longer running");
            raised = findings.Where(f => current.Findings.All(x => x.Tag != f.Tag)).ToArray();
            session.Store(JobMetricArchive.From(job.Id, content, now));
            var events = new List<object> { new RunningJobStatisticsRecorded(job.Id, now, content.Interval, stats) };
            if (raised.Length > 0) events.Add(new JobFindingsRaised(job.Id, raised));
            return new Decision.Append(job.Id, false, events.ToArray(), "running statistics recorded");
        }, ct);
        if (raised.Length > 0) await MailAsync(job, raised, ct);
    }

    private async Task MailAsync(JobView job, JobFinding[] raised, CancellationToken ct)
    {
        var options = jobMetrics;
        if (!settings.Email.Enabled) return;
        var to = new List<string>();
        if (options.OwnerMailAddress is { Length: > 0 } template && template.Replace("{user}", job.User) is var owner
            && IsAddress(owner)) to.Add(owner);
        if (options.MailFindingsToAdmins) to.AddRange(settings.Email.Receivers);
        if (to.Count == 0) return;
        var subject = $"Job {job.SlurmId} on {job.Cluster}: {string.Join(", ", raised.Select(f => f.Tag))}";
        var body = $"Job {job.SlurmId} ({job.JobName}) of {job.User} on {job.Cluster}, running since " +
            $"{job.StartTime:u}:\n\n" +
                   string.Join("\n", raised.Select(f => $"- {f.Tag}: {f.Reason}")) + $"\n\nJob page: /jobs/{job.Id}\n";
        using var scope = services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IMessageBus>()
            .PublishAsync(new MailFinding(to.Distinct().ToArray(), subject, body));
    }

    private static bool IsAddress(string a) => a.Length <= 254 && a.IndexOf('@') > 0
        && a.IndexOf('@') == a.LastIndexOf('@') && a.IndexOf('@') < a.Length - 1 &&
                                               !a.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' or ',' or ';'
                                                   || char.IsControl(c));
}
