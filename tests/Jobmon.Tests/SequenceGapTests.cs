using System.Diagnostics;
using System.Net;
using Jobmon.Jobs.Ingestion;
using Jobmon.Summaries;
using Jobmon.Tests.Infrastructure;
using Marten;
using Xunit.Abstractions;

namespace Jobmon.Tests;

/// <summary>
/// The gap case: two Jobmon hosts (HotCold daemons) on one database receive the same SLURM starts at once. Both
/// hosts' group-commit batches decide "new job"; the one that commits second fails on the unique running key of the
/// job view only after Marten's append took sequence numbers for its events, so <c>mt_events</c> has holes that
/// nothing will ever fill. The aborted batches' other starts are decided again and stored. The async daemon must
/// skip the holes (Marten's stale-gap skipping: <c>StaleSequenceThreshold</c>, 3 s by default, and its liveness
/// probe that waits while a transaction from before the gap is still open) so that every async shard reaches the
/// newest event and the summaries count every job.
/// </summary>
public sealed class SequenceGapTests(ITestOutputHelper output)
{
    private const long T0 = 1_765_000_000;

    /// <summary>From the last acknowledged write to every async shard at the newest event with every job counted.
    /// Marten skips a gap once the high-water mark has been stuck on it for 3 s and no transaction from before the
    /// gap is open; the daemon polls every second or two; 30 s leaves room for a slow shared machine.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private const int Rounds = 8, JobsPerRound = 8, CopiesPerHost = 3;
    private static readonly string[] Users = ["gap-ann", "gap-bob", "gap-cyd", "gap-dee"];

    [Fact]
    public async Task Racing_batches_on_two_hosts_leave_sequence_gaps_and_every_async_projection_passes_them_and_counts_every_job()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var first = await JobmonApp.StartAsync(database, daemonMode: "HotCold");
        await using var second = await JobmonApp.StartAsync(database, daemonMode: "HotCold");
        JobmonApp[] hosts = [first, second];

        var jobs = new List<SlurmJob>();
        for (var round = 0; round < Rounds; round++)
        {
            // Every start of the round at once, CopiesPerHost times through each host: both hosts' batches hold
            // several of these jobs, so one host's abort also takes other jobs' starts down with it.
            var batch = Enumerable.Range(0, JobsPerRound).Select(i =>
            {
                var n = round * JobsPerRound + i;
                return new SlurmJob("gapc", 90_000 + n, User: Users[n % 4], Partition: n % 2 == 0 ? "even" : "odd", NumNodes: 1, Nodes: $"g{n:000}",
                    StartTime: T0 + n, Group: n % 4 < 2 ? "gap-g1" : "gap-g2");
            }).ToList();
            jobs.AddRange(batch);
            var sends = batch.SelectMany(j => hosts.SelectMany(h => Enumerable.Range(0, CopiesPerHost).Select(_ => (Job: j, Host: h)))).ToList();
            var answers = await Task.WhenAll(sends.Select(async s =>
            {
                var response = await s.Host.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(s.Job.StartJson()));
                response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
                return (s.Job, Result: await response.ReadAs<IngestionResult>());
            }));
            foreach (var perJob in answers.GroupBy(a => a.Job.Id))
            {
                perJob.Select(a => a.Result.JobId).Distinct().Count().ShouldBe(1, $"SLURM job {perJob.Key} got two Jobmon ids");
                perJob.Count(a => a.Result.Stored).ShouldBe(1, $"SLURM job {perJob.Key}");
            }
        }
        // On a quiet machine the race sometimes aborts no batch. Then a hole is made exactly as an aborted append
        // makes one (a sequence number taken in a transaction that rolls back), before the stops, so the daemon
        // still has to pass a gap with events after it.
        var (newestAfterStarts, storedAfterStarts, _) = await EventsAsync(first);
        if (newestAfterStarts == storedAfterStarts)
        {
            await using var conn = new Npgsql.NpgsqlConnection(first.ConnectionString);
            await conn.OpenAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await using (var take = new Npgsql.NpgsqlCommand(
                             $"select nextval('{first.Store.Options.Events.DatabaseSchemaName}.mt_events_sequence')", conn, tx))
                await take.ExecuteScalarAsync();
            await tx.RollbackAsync();
            output.WriteLine("the race aborted no batch this time: one sequence number taken and rolled back instead");
        }

        // Every job ends once, the stop sent twice, once through each host.
        var stops = await Task.WhenAll(jobs.SelectMany(j => hosts.Select(h =>
            h.Ingest().PatchJson($"/api/job_stop/{j.Id}?cluster=gapc", SlurmJob.StopJson(0, j.StartTime + 3600)))));
        stops.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        var acknowledged = Stopwatch.StartNew();

        // The holes are there: sequence numbers taken by transactions that never committed.
        var (newest, stored, jobEvents) = await EventsAsync(first);
        jobEvents.ShouldBe(2L * Rounds * JobsPerRound); // one start and one end per job, nothing twice
        var holes = newest - stored;
        holes.ShouldBeGreaterThan(0, "no sequence gap before the newest event");
        output.WriteLine($"{stored} events, newest sequence {newest}: {holes} sequence numbers of aborted batches");

        // Every async shard reaches the newest event; the summaries count every job (worked out by hand: 64 jobs of
        // one node and one hour, 16 per user, 32 per partition and per group, all completed).
        string[] shards = ["Summaries:All", "JobEndMetrics:All", "Usage:All"];
        Dictionary<string, long> progress = [];
        List<UserSummary> users = [];
        List<PartitionSummary> partitions = [];
        List<GroupSummary> groups = [];
        bool Level() =>
            shards.All(s => progress.GetValueOrDefault(s) >= newest) && progress.GetValueOrDefault("HighWaterMark") >= newest &&
            users.Count == 4 && users.All(u => u is { Jobs: 16, Running: 0 }) &&
            partitions.Count == 2 && partitions.All(p => p is { Jobs: 32, Running: 0 }) &&
            groups.Count == 2 && groups.All(g => g is { Jobs: 32, Running: 0 });
        while (true)
        {
            await using (var session = first.Store.QuerySession())
            {
                progress = (await session.QueryAsync<ShardProgress>(
                        $"select json_build_object('name', name, 'seq', last_seq_id) from {first.Store.Options.Events.DatabaseSchemaName}.mt_event_progression"))
                    .ToDictionary(p => p.Name, p => p.Seq);
                users = (await session.Query<UserSummary>().Where(u => u.Id.StartsWith("gap-")).ToListAsync()).ToList();
                partitions = (await session.Query<PartitionSummary>().Where(p => p.Cluster == "gapc").ToListAsync()).ToList();
                groups = (await session.Query<GroupSummary>().Where(g => g.Id.StartsWith("gap-")).ToListAsync()).ToList();
            }
            if (Level() || acknowledged.Elapsed > Bound) break;
            await Task.Delay(250);
        }
        output.WriteLine($"level after {acknowledged.Elapsed.TotalSeconds:F1} s: " + string.Join(", ", progress.Select(p => $"{p.Key}={p.Value}")));

        foreach (var shard in shards) progress.GetValueOrDefault(shard).ShouldBeGreaterThanOrEqualTo(newest, $"{shard} stopped before the newest event {newest}");
        users.Select(u => u.Id).ShouldBe(Users, ignoreOrder: true);
        foreach (var u in users)
        {
            u.Jobs.ShouldBe(16, u.Id);
            u.Running.ShouldBe(0, u.Id);
            u.ByState["completed"].ShouldBe(16, u.Id);
            u.NodeHours.ShouldBe(16, tolerance: 1e-9);
        }
        partitions.Select(p => (p.Partition, p.Jobs, p.Running)).ShouldBe([("even", 32L, 0L), ("odd", 32L, 0L)], ignoreOrder: true);
        groups.Select(g => (g.Id, g.Jobs, g.Running)).ShouldBe([("gap-g1", 32L, 0L), ("gap-g2", 32L, 0L)], ignoreOrder: true);
        acknowledged.Elapsed.ShouldBeLessThanOrEqualTo(Bound);

        // Each async shard ran on exactly one of the two hosts.
        first.RunningShards().Intersect(second.RunningShards()).ShouldBeEmpty();
    }

    private static async Task<(long Newest, long Stored, long JobEvents)> EventsAsync(JobmonApp app)
    {
        await using var conn = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(
            $"select coalesce(max(seq_id), 0), count(*), count(*) filter (where type in ('job_started', 'job_ended')) from {app.Store.Options.Events.DatabaseSchemaName}.mt_events", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private sealed record ShardProgress(string Name, long Seq);
}
