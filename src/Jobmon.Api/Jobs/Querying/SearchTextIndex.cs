using Jobmon.Infrastructure;
using Npgsql;

namespace Jobmon.Jobs.Querying;

/// <summary>The trigram index for the list's free text (q=, a substring of SLURM id, name, account: LIKE '%x%').
/// Marten's index DSL has no operator class, so it is ours: created after Marten's schema at start-up (IF NOT EXISTS,
/// so once per database) and listed in the mapping's ignored indexes so Marten's schema diff leaves it alone.
/// The expression is exactly the one Marten's LINQ emits for JobView.SearchText, so the planner can match it.
/// It also keeps the job view's planner statistics fit for the node filter (below).</summary>
public sealed class SearchTextIndex(JobmonSettings settings, ILogger<SearchTextIndex> log) : IHostedService
{
    public const string Name = "jobview_search_text_trgm";

    public const int NodeStatisticsTarget = 10_000;

    private static readonly string PendingList =
        $"fastupdate = on, gin_pending_list_limit = {JobsSlice.GinPendingListLimitKb}";

    public async Task StartAsync(CancellationToken ct)
    {
        var schema = settings.Schema.Replace("\"", "\"\"");
        var schemaLiteral = settings.Schema.Replace("'", "''");
        await using var connection = new NpgsqlConnection(settings.PostgresConnectionString);
        await connection.OpenAsync(ct);
        foreach (var sql in new[]
                 {
                     "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                     $"CREATE INDEX IF NOT EXISTS {Name} ON \"{schema}\".mt_doc_jobview " +
                     $"USING gin ((data ->> 'searchText') gin_trgm_ops) WITH ({PendingList})",
                     // Created with another pending list: the same small list as the other GIN indexes (JobsSlice).
                     $"ALTER INDEX \"{schema}\".{Name} SET ({PendingList})",
                     // The node filter's selectivity comes from the node index's statistics: with PostgreSQL's 100
                     // histogram entries a node seen once in them is priced at 1 % of all jobs, and the planner walks
                     // the start-time index past 116,000 rows (200 ms at 1M jobs) instead of reading the node's ~800
                     // (7 ms). 10,000 entries price it right; planning takes ~2 ms more, ANALYZE ~20 s at 1M jobs.
                     $"""
                      DO $$ BEGIN
                        IF (SELECT attstattarget FROM pg_attribute WHERE attnum = 1
                            AND attrelid = '"{schema}".mt_doc_jobview_idx_nodes'::regclass)
                           IS DISTINCT FROM {NodeStatisticsTarget}
                        THEN
                          ALTER INDEX "{schema}".mt_doc_jobview_idx_nodes
                            ALTER COLUMN 1 SET STATISTICS {NodeStatisticsTarget};
                          ANALYZE "{schema}".mt_doc_jobview;
                        END IF;
                      END $$
                      """,
                     // An expression index just created or rebuilt (a schema upgrade) has no statistics until ANALYZE:
                     // the planner then guesses 1 % of all jobs per node and walks the start-time index instead of the
                     // GIN index (measured at 1M jobs: 250 ms instead of 15 ms for a node's jobs).
                     $"""
                      DO $$ BEGIN
                        IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                                   WHERE i.indrelid = '"{schema}".mt_doc_jobview'::regclass AND i.indexprs IS NOT NULL
                                   AND NOT EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = '{schemaLiteral}'
                                                   AND s.tablename = c.relname))
                        THEN ANALYZE "{schema}".mt_doc_jobview; END IF;
                      END $$
                      """,
                 })
        {
            try
            {
                await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
                await command.ExecuteNonQueryAsync(ct);
            }
            // Another replica created it at the same moment.
            catch (PostgresException e) when (
                e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject
                    or PostgresErrorCodes.DuplicateTable)
            {
                log.LogDebug("{Sql}: created concurrently by another process", sql);
            }
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
