using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using Jobmon.Jobs.Rebuild;
using Marten;
using Marten.Events;
using Marten.Schema;
using Npgsql;
using NpgsqlTypes;

namespace Jobmon.Jobs.Ingestion;

/// <summary>
/// The group-committed ingestion batch in two round trips of set-based SQL on Marten's own tables, instead of
/// Marten's unit of work (one append-function call and one upsert per event, then a separate COMMIT):
/// <list type="number">
/// <item><c>BEGIN</c>, the shared job-write lock, and the batch's jobs looked up by SLURM id (their views);</item>
/// <item>new streams inserted, existing streams' versions moved on, all events inserted, all job views upserted
/// (one multi-row statement each), then <c>COMMIT</c>.</item>
/// </list>
/// Rows are exactly what Marten's Quick append and inline projection write (event type names, .NET type names,
/// sequence numbers from <c>mt_events_sequence</c>, metadata, the view's revision and duplicated columns); the views
/// are built by the job view projection's own aggregator. Concurrency is Marten's: an event version another writer
/// already took violates <c>pk_mt_events_stream_and_version</c>, a second running job violates the running-key
/// index; either aborts the whole batch, which the caller then decides again request by request. Measured in
/// ARCHITECTURE.md, "Ingestion throughput"; covered by the ingestion, history, rebuild and daemon tests, which read
/// what this writes through Marten.
/// </summary>
public sealed class JobEventBatchWriter
{
    private readonly IDocumentStore store;
    private readonly EventGraph events;
    private readonly Marten.ISerializer serializer;
    private readonly JobViewColumns columns;
    private readonly IAggregator<JobView, IQuerySession> aggregator;
    private readonly string streamType;
    private readonly string lookUpSql, lockSql, writeSql;

    public JobEventBatchWriter(IDocumentStore store)
    {
        this.store = store;
        var options = (StoreOptions)store.Options;
        events = (EventGraph)options.Events;
        serializer = options.Serializer();
        columns = new JobViewColumns((DocumentMapping)((IReadOnlyStoreOptions)options).FindOrResolveDocumentType(typeof(JobView)));
        aggregator = options.Projections.All.OfType<IAggregator<JobView, IQuerySession>>().Single();
        streamType = events.AggregateAliasFor(typeof(JobView));
        var schema = events.DatabaseSchemaName;
        var tenant = StorageConstants.DefaultTenantId;

        // Plain SQL on the indexed column, no ORDER BY/LIMIT: with them PostgreSQL walks the window_start index instead.
        lookUpSql = $"select id, data, mt_version from {columns.Table} where slurm_id = ANY($1)";
        // The shared job-write lock, and for this transaction only plans by index: the write is prepared, and
        // PostgreSQL keeps a generic plan made while the tables were small (a new database, before its first
        // autoanalyze); a hash join over a sequential scan of mt_streams took 2 ms per batch and growing in a benchmark.
        lockSql = JobWriteLock.SharedForTransactionSql(
            "set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)");
        // One statement for streams, events and views; its foreign-key checks run at its end, after the new streams
        // exist. greatest(): like Marten's append function, never move a stream's version back (its #5539 note).
        var duplicated = columns.DuplicatedColumns.Select((d, i) => (Quoted: $"\"{d.Column}\"", Alias: $"c{i}")).ToArray();
        writeSql = $"""
            with new_streams as (
                insert into {schema}.mt_streams (id, type, version, timestamp, tenant_id)
                select u.id, $3, u.version, now(), '{tenant}' from unnest($1, $2) as u(id, version)
            ), moved_streams as (
                update {schema}.mt_streams as s set version = greatest(s.version, u.version), timestamp = now()
                from unnest($4, $5) as u(id, version) where s.id = u.id
            ), new_events as (
                insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, correlation_id, headers)
                select nextval('{schema}.mt_events_sequence'), u.id, u.stream_id, u.version, u.data, u.type, '{tenant}', $11, u.dotnet_type, false, u.correlation_id, u.headers
                from unnest($6, $7, $8, $9, $10, $12, $13, $14) as u(id, stream_id, version, data, type, dotnet_type, correlation_id, headers)
            )
            insert into {columns.Table} ({string.Join(", ", columns.QuotedColumns)}, mt_last_modified)
            select u.id, u.data, u.version, $18, {string.Join(", ", duplicated.Select(d => "u." + d.Alias))}, transaction_timestamp()
            from unnest($15, $16, $17, {string.Join(", ", duplicated.Select((_, i) => $"${i + 19}"))}) as u(id, data, version, {string.Join(", ", duplicated.Select(d => d.Alias))})
            on conflict (id) do update set data = excluded.data, mt_version = excluded.mt_version, mt_dotnet_type = excluded.mt_dotnet_type,
                mt_last_modified = excluded.mt_last_modified, {string.Join(", ", duplicated.Select(d => $"{d.Quoted} = excluded.{d.Quoted}"))}
            """;
    }

    /// <summary>An open batch: its connection holds the transaction and the shared job-write lock.</summary>
    public sealed class Batch(NpgsqlConnection connection, ILookup<long, JobView> known) : IAsyncDisposable
    {
        public NpgsqlConnection Connection { get; } = connection;
        /// <summary>Every job under the batch's SLURM ids (any cluster), newest first per id.</summary>
        public ILookup<long, JobView> Known { get; } = known;
        public bool Committed { get; internal set; }

        public ValueTask DisposeAsync() => CloseAsync(Connection, Committed);
    }

    /// <summary>Rolls an uncommitted transaction back before the connection goes back to the pool.</summary>
    private static async ValueTask CloseAsync(NpgsqlConnection connection, bool committed)
    {
        try
        {
            if (!committed && connection.State == System.Data.ConnectionState.Open)
            {
                await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
                await rollback.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (NpgsqlException)
        {
            // A broken connection: the server rolls the transaction back itself; the pool drops the connection.
        }
        await connection.DisposeAsync();
    }

    /// <summary>Round trip 1: opens the transaction, takes the job-write lock (shared) and looks the jobs up. The lock
    /// and the lookup are separate statements, so the lookup's snapshot is taken after the lock is granted (a rebuild
    /// may have just finished).</summary>
    public async Task<Batch> BeginAsync(long[] slurmIds, CancellationToken ct)
    {
        var conn = store.Storage.Database.CreateConnection();
        try
        {
            await conn.OpenAsync(ct);
            await using var batch = new NpgsqlBatch(conn);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(lockSql));
            var lookUp = new NpgsqlBatchCommand(lookUpSql);
            lookUp.Parameters.Add(new NpgsqlParameter { Value = slurmIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            batch.BatchCommands.Add(lookUp);
            var jobs = new List<JobView>();
            await using (var reader = await batch.ExecuteReaderAsync(ct))
            {
                while (!(reader.FieldCount == 3 && reader.GetName(1) == "data") && await reader.NextResultAsync(ct)) { } // past the lock's result
                while (await reader.ReadAsync(ct))
                {
                    var view = serializer.FromJson<JobView>(reader, 1);
                    view.Version = (int)reader.GetInt64(2);
                    jobs.Add(view);
                }
            }
            return new Batch(conn, ByNewest(jobs));
        }
        catch
        {
            await CloseAsync(conn, committed: false);
            throw;
        }
    }

    public static ILookup<long, JobView> ByNewest(IEnumerable<JobView> jobs) => jobs.OrderByDescending(j => j.WindowStart).ToLookup(j => j.SlurmId);

    /// <summary>One decided append: a new job stream, or events after <paramref name="Current"/> (its view as looked up).</summary>
    public sealed record Append(Guid JobId, JobView? Current, object[] Events, EventContext Context);

    /// <summary>Round trip 2: writes every append and commits. Throws (and leaves the transaction to be rolled back)
    /// when any row conflicts.</summary>
    public async Task CommitAsync(Batch open, IReadOnlyList<Append> appends, CancellationToken ct)
    {
        var timestamp = DateTimeOffset.UtcNow;
        var newStreams = new List<(Guid Id, long Version)>();
        var movedStreams = new List<(Guid Id, long Version)>();
        var rows = new List<IEvent>();
        var views = new List<JobView>(appends.Count);
        await using (var projecting = store.QuerySession())
        {
            foreach (var append in appends)
            {
                var version = (long)(append.Current?.Version ?? 0);
                var stamped = new List<IEvent>(append.Events.Length);
                foreach (var data in append.Events)
                {
                    var e = append.Context.Stamp(events.BuildEvent(data));
                    e.Id = Guid.CreateVersion7(timestamp);
                    e.StreamId = append.JobId;
                    e.Version = ++version;
                    e.Timestamp = timestamp;
                    e.TenantId = StorageConstants.DefaultTenantId;
                    stamped.Add(e);
                }
                (append.Current is null ? newStreams : movedStreams).Add((append.JobId, version));
                rows.AddRange(stamped);
                var view = await aggregator.BuildAsync(stamped, projecting, append.Current, ct)
                    ?? throw new InvalidOperationException($"the job view projection built nothing for job {append.JobId}");
                view.Version = (int)version;
                views.Add(view);
            }
        }
        // Rows locked in one order by every writer: two batches touching the same jobs wait instead of deadlocking.
        movedStreams.Sort((a, b) => a.Id.CompareTo(b.Id));
        views.Sort((a, b) => a.Id.CompareTo(b.Id));

        var parameters = new List<NpgsqlParameter>
        {
            ArrayOf(newStreams.Select(s => s.Id), NpgsqlDbType.Uuid), ArrayOf(newStreams.Select(s => s.Version), NpgsqlDbType.Bigint),
            new() { Value = streamType, NpgsqlDbType = NpgsqlDbType.Varchar },
            ArrayOf(movedStreams.Select(s => s.Id), NpgsqlDbType.Uuid), ArrayOf(movedStreams.Select(s => s.Version), NpgsqlDbType.Bigint),
            ArrayOf(rows.Select(e => e.Id), NpgsqlDbType.Uuid),
            ArrayOf(rows.Select(e => e.StreamId), NpgsqlDbType.Uuid),
            ArrayOf(rows.Select(e => e.Version), NpgsqlDbType.Bigint),
            ArrayOf(rows.Select(e => serializer.ToJson(e.Data)), NpgsqlDbType.Jsonb),
            ArrayOf(rows.Select(e => e.EventTypeName), NpgsqlDbType.Varchar),
            new() { Value = timestamp, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            ArrayOf(rows.Select(e => e.DotNetTypeName), NpgsqlDbType.Varchar),
            ArrayOf(rows.Select(e => e.CorrelationId), NpgsqlDbType.Varchar),
            ArrayOf(rows.Select(e => e.Headers is null ? null : serializer.ToJson(e.Headers)), NpgsqlDbType.Jsonb),
            ArrayOf(views.Select(v => v.Id), NpgsqlDbType.Uuid),
            ArrayOf(views.Select(v => serializer.ToJson(v)), NpgsqlDbType.Jsonb),
            ArrayOf(views.Select(v => (long)v.Version), NpgsqlDbType.Bigint),
            new() { Value = columns.DotnetType, NpgsqlDbType = NpgsqlDbType.Varchar },
        };
        foreach (var column in columns.DuplicatedColumns)
        {
            var values = System.Array.CreateInstance(column.ClrType, views.Count);
            for (var i = 0; i < views.Count; i++) values.SetValue(JobViewColumns.ToDb(column.Value(views[i])), i);
            parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | column.Type });
        }
        await using var batch = new NpgsqlBatch(open.Connection);
        var write = new NpgsqlBatchCommand(writeSql);
        write.Parameters.AddRange(parameters.ToArray());
        batch.BatchCommands.Add(write);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(ct);
        open.Committed = true;
    }

    private static NpgsqlParameter ArrayOf<T>(IEnumerable<T> values, NpgsqlDbType type) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type };
}
