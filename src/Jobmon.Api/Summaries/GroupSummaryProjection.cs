using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Summaries;

public sealed partial class GroupSummaryProjection : MultiStreamProjection<GroupSummary, string>
{
    public GroupSummaryProjection()
    {
        Identity<JobStarted>(e => e.Group);
        Identities<JobEnded>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>() : [e.Group]);
        Identity<JobTimedOut>(e => e.Group);
        Identities<JobEndCorrected>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>() : [e.Group]);
    }

    public void Apply(JobStarted e, GroupSummary view) { view.Id = e.Group; view.Started(e); }
    public void Apply(JobEnded e, GroupSummary view) => view.Finished(e.State, e.StartTime, e.StopTime, e.NumNodes,
        e.TotalGpus, wasRunning: true);
    public void Apply(JobTimedOut e, GroupSummary view)
        => view.Finished(JobState.Timeout, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
    public void Apply(JobEndCorrected e, GroupSummary view) => view.Corrected(e.PreviousState, e.State);
}
