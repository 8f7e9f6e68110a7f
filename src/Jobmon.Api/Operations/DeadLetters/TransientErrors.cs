using System.Net.Sockets;
using JasperFx;
using JasperFx.CodeGeneration;
using Jobmon.Metrics;
using Npgsql;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Jobmon.Operations.DeadLetters;

/// <summary>Which failures are worth retrying later: the dependency will likely be back, the message is fine.</summary>
public static class TransientErrors
{
    /// <summary>PostgreSQL (or the way to it) failed transiently; searched through wrapping exceptions
    /// (Marten's).</summary>
    public static bool IsTransientDatabaseError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            switch (e)
            {
                case PostgresException p:
                    return IsTransientSqlState(p.SqlState);
                case NpgsqlException:
                case SocketException:
                case TimeoutException:
                case Marten.Exceptions.SessionTransactionUnusableException:
                    // Npgsql's own (not the server's) errors: connecting, I/O, the pool, its command timeout.
                    if (e is NpgsqlException { InnerException: not null } n && n.InnerException is not
                            (SocketException or IOException or TimeoutException or EndOfStreamException))
                        continue;
                    return true;
            }
        return false;
    }

    /// <summary>Connection exceptions (08), transaction rollbacks: serialization failure, deadlock (40), insufficient
    /// resources: too many connections, disk full (53), admin/crash shutdown, cannot connect now (57P01–57P03),
    /// lock not available: lock_timeout (55P03), query canceled: statement_timeout (57014).</summary>
    public static bool IsTransientSqlState(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("40", StringComparison.Ordinal)
        || state.StartsWith("53", StringComparison.Ordinal)
        || state is "57P01" or "57P02" or "57P03" or "55P03" or "57014";

    /// <summary>InfluxDB down, timing out or unreachable; a query it rejected (422) is a bug, not an outage.</summary>
    public static bool IsInfluxOutage(Exception e) => e is MetricsUnavailableException { Status: not 422 };
}
