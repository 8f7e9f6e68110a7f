using System.Net.Sockets;
using Marten;
using Npgsql;

namespace Jobmon.Infrastructure;

public static class DatabaseErrors
{
    /// <summary>A unique index refused the write (Marten wraps PostgreSQL's exception, so the chain is
    /// searched).</summary>
    public static bool IsUniqueViolation(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }) return true;
        return false;
    }

    /// <summary>PostgreSQL cannot be reached or went away (refused, reset, shut down, restarting, out of connection
    /// slots, pool exhausted): an outage to answer with 503, not a fault of the request.</summary>
    public static bool IsUnavailable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            switch (e)
            {
                case PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal)
                    || p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                        or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections:
                    return true;
                case PostgresException:
                    return false; // the server answered: a real error of the statement
                case NpgsqlException
                {
                    InnerException: SocketException or IOException or TimeoutException or EndOfStreamException
                }:
                case NpgsqlException n when n.Message.Contains("pool", StringComparison.OrdinalIgnoreCase)
                    || n.IsTransient && n is not PostgresException:
                case SocketException:
                // Marten's word for a session whose (caller-supplied) connection broke, without an inner exception.
                case Marten.Exceptions.SessionTransactionUnusableException:
                    return true;
            }
        return false;
    }

    /// <summary>Drops every idle pooled connection (Marten's data source and the job list's pool), so connections
    /// broken
    /// by a restart or a cut are not handed to the next requests one by one; new ones are opened on demand.</summary>
    public static void ClearPools(IServiceProvider services)
    {
        NpgsqlConnection.ClearAllPools();
        if (services.GetService<IDocumentStore>()?.Storage.Database is Weasel.Postgresql.PostgresqlDatabase database)
            database.DataSource.Clear();
    }
}
