using Marten;
using Npgsql;

namespace Jobmon.Jobs.Writing;

/// <summary>A PostgreSQL advisory lock between writers of job events (shared, for the length of their transaction)
/// and a bulk rebuild of the job view (exclusive), across every Jobmon process on the database.</summary>
public static class JobWriteLock
{
    /// <summary>"JOBMONJV" as a number: an application-wide key no other lock of ours uses.</summary>
    public const long Key = 0x4A4F424D4F4E4A56;

    /// <summary>The statement taking the lock in shared mode for the rest of the transaction: first in every
    /// transaction that appends job events, so it never waits while holding rows. It answers <paramref
    /// name="selectList"/>
    /// (by default a text, which Marten's <c>QueryAsync&lt;string&gt;</c> can read).</summary>
    public static string SharedForTransactionSql(string selectList = "'locked'")
        => $"select {selectList} from pg_advisory_xact_lock_shared({Key})";

    /// <summary>Opens the session's transaction and takes the lock in shared mode before anything else, so a writer
    /// never holds job rows while it waits for a rebuild (which would deadlock with the rebuild's truncate).</summary>
    public static async Task EnterSharedAsync(IDocumentSession session, CancellationToken ct)
    {
        await session.BeginTransactionAsync(ct);
        await session.QueryAsync<string>(SharedForTransactionSql(), ct);
    }

    public static Task AcquireExclusiveAsync(NpgsqlConnection conn, CancellationToken ct)
        => OnKeyAsync(conn, "pg_advisory_lock", ct);

    public static Task ReleaseExclusiveAsync(NpgsqlConnection conn, CancellationToken ct)
        => OnKeyAsync(conn, "pg_advisory_unlock", ct);

    private static async Task OnKeyAsync(NpgsqlConnection conn, string function, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select {function}(@key)", conn);
        cmd.Parameters.AddWithValue("key", Key);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
