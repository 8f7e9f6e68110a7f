using System.Threading.Channels;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using Marten.Schema;
using Marten;
using Npgsql;
using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Rebuild;


/// <summary>
/// Rebuilds the job view in bulk: job streams are folded in parallel chunks by the job view projection's own
/// aggregator (the same Create/Apply code as the inline projection) and written with COPY, instead of the async
/// daemon's one-page-at-a-time upserts (ARCHITECTURE.md, "Replay"). Writers of job events hold the job-write lock in
/// shared mode (<see cref="JobWriteLock"/>); the rebuild holds it exclusively, so no job changes while the view is
/// rebuilt, on any node. Readers are not blocked: during the rebuild the job list fills up, as with Marten's rebuild.
/// </summary>
public sealed class JobViewRebuild(IDocumentStore store, ILogger<JobViewRebuild> logger)
{
    public const string ProjectionName = "JobView";
    private const int StreamsPerChunk = 2_000;

    public async Task<RebuildProgress> RunAsync(IProgress<RebuildProgress>? progress, CancellationToken ct)
    {
        var options = store.Options as StoreOptions
            ?? throw new InvalidOperationException("a Marten DocumentStore is needed");
        var schema = options.Events.DatabaseSchemaName;
        var mapping = (DocumentMapping)((IReadOnlyStoreOptions)options).FindOrResolveDocumentType(typeof(JobView));
        var table = mapping.TableName.QualifiedName;
        var writer = new JobViewCopyWriter(mapping, store.Options.Serializer());
        var streamType = ((Marten.Events.EventGraph)options.Events).AggregateAliasFor(typeof(JobView));
        var aggregator = options.Projections.All.OfType<IAggregator<JobView, IQuerySession>>().Single();

        await using var gate = store.Storage.Database.CreateConnection();
        await gate.OpenAsync(ct);
        await JobWriteLock.AcquireExclusiveAsync(gate, ct);
        try
        {
            var highWater = await ScalarAsync<long>(gate, $"select coalesce(max(seq_id), 0) from {schema}.mt_events",
                ct);
            var total = await ScalarAsync<long>(gate, $"select count(*) from {schema}.mt_streams where type = @type",
                ct, ("type", (object)streamType));
            await ScalarAsync<int>(gate, $"truncate {table}; select 1", ct);
            logger.LogInformation("Rebuilding the job view from {Streams} job streams (events up to {HighWater})",
                total, highWater);

            var chunks = Channel.CreateBounded<Guid[]>(4);
            long streams = 0, events = 0;
            // One ordered scan streams every job stream's id (paging with "id > last ... limit" was planned as a full
            // scan and sort per page once the statement was prepared: quadratic in the number of jobs).
            var producer = Task.Run(async () =>
            {
                try
                {
                    await using var cmd =
                        new NpgsqlCommand($"select id from {schema}.mt_streams where type = @type order by id", gate);
                    cmd.Parameters.AddWithValue("type", streamType);
                    await using var reader = await cmd.ExecuteReaderAsync(ct);
                    var ids = new List<Guid>(StreamsPerChunk);
                    while (await reader.ReadAsync(ct))
                    {
                        ids.Add(reader.GetGuid(0));
                        if (ids.Count < StreamsPerChunk) continue;
                        await chunks.Writer.WriteAsync(ids.ToArray(), ct);
                        ids.Clear();
                    }
                    if (ids.Count > 0) await chunks.Writer.WriteAsync(ids.ToArray(), ct);
                    chunks.Writer.Complete();
                }
                catch (Exception e)
                {
                    chunks.Writer.Complete(e);
                }
            }, ct);

            // Two folders/writers keep both the database and this process busy: one loads while the other writes.
            var workers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                await foreach (var ids in chunks.Reader.ReadAllAsync(ct))
                {
                    var docs = new List<JobView>(ids.Length);
                    await using (var session = store.QuerySession())
                    {
                        var loaded = await session.Events.QueryAllRawEvents()
                            .Where(e => ids.Contains(e.StreamId) && e.Sequence <= highWater)
                            .OrderBy(e => e.StreamId).ThenBy(e => e.Version)
                            .ToListAsync(ct);
                        foreach (var stream in loaded.GroupBy(e => e.StreamId))
                            if (await aggregator.BuildAsync(stream.ToList(), session, null, ct) is { } view)
                                docs.Add(view);
                        Interlocked.Add(ref events, loaded.Count);
                    }
                    if (docs.Count > 0)
                    {
                        await using var conn = store.Storage.Database.CreateConnection();
                        await conn.OpenAsync(ct);
                        await writer.CopyAsync(conn, docs, ct);
                    }
                    progress?.Report(new RebuildProgress(Interlocked.Add(ref streams, ids.Length), total,
                        Interlocked.Read(ref events)));
                }
            }, ct)).ToArray();
            await Task.WhenAll(workers.Append(producer));

            // An inline projection has no daemon position; drop one a daemon rebuild may have left behind.
            await ScalarAsync<int>(gate, $"delete from {schema}.mt_event_progression where name = @name; select 1", ct,
                ("name", (object)(ProjectionName + ":All")));
            var done = new RebuildProgress(streams, total, events);
            logger.LogInformation("Rebuilt the job view: {Streams} jobs from {Events} events", streams, events);
            return done;
        }
        finally
        {
            await JobWriteLock.ReleaseExclusiveAsync(gate, CancellationToken.None);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql, CancellationToken ct,
        params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return (T)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
