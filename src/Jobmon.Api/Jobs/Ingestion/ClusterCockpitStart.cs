using System.Text.Json;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Ingestion;

/// <summary>cc start_job: Jobmon's start decision (duplicates, reuse, a stop that came first), plus the details
/// and tags cc reports, appended in the same transaction.</summary>
public sealed record ClusterCockpitStart(StartJob Start, SchedulerDetails Details,
    (string Name, TagVisibility Visibility)[] Tags, string Caller) : ISlurmJobCommand
{
    public long SlurmId => Start.SlurmId;

    public Decision Decide(IReadOnlyList<JobView> known, Func<Guid> newId)
    {
        var decision = IngestionDecisions.Decide(Start, known, newId);
        if (decision is not Decision.Append a) return decision;
        object[] extra = [new JobSchedulerDetailsReported(a.JobId, Details),
            .. Tags.Select(t => new JobTagAdded(a.JobId, t.Name, Caller, t.Visibility))];
        return a with { Events = [.. a.Events, .. extra] };
    }
}
