namespace Jobmon.Jobs.Writing;

/// <summary>What a command does to a job stream, decided by a pure function from the job(s) as they are now
/// (ingestion's deciders, tags, corrections, the sweeper, job-end processing); <see cref="JobStreamWriter"/> stores
/// it.</summary>
public abstract record Decision
{
    /// <summary>Append <paramref name="Events"/> to a new stream (<paramref name="IsNew"/>) or an existing
    /// one.</summary>
    public sealed record Append(Guid JobId, bool IsNew, object[] Events, string Outcome) : Decision;
    /// <summary>Nothing to store: the command repeats what is already known.</summary>
    public sealed record AlreadyKnown(Guid JobId, string Outcome) : Decision;
    public sealed record Rejected(int Status, string Field, string Detail, IDictionary<string, object?>? Extensions =
        null) : Decision;
}
