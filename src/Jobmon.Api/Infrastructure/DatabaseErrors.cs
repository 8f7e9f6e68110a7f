using Npgsql;

namespace Jobmon.Infrastructure;

public static class DatabaseErrors
{
    /// <summary>A unique index refused the write (Marten wraps PostgreSQL's exception, so the chain is searched).</summary>
    public static bool IsUniqueViolation(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }) return true;
        return false;
    }
}
