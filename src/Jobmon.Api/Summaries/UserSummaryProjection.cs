using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Summaries;

public sealed partial class UserSummaryProjection : MultiStreamProjection<UserSummary, string>
{
    public UserSummaryProjection()
    {
        Identity<JobStarted>(e => e.User);
        Identities<JobEnded>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>() : [e.User]);
        Identity<JobTimedOut>(e => e.User);
        Identities<JobEndCorrected>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>() : [e.User]);
    }

    public void Apply(JobStarted e, UserSummary view) { view.Id = e.User; view.Started(e); }
    public void Apply(JobEnded e, UserSummary view) => view.Finished(e.State, e.StartTime, e.StopTime, e.NumNodes,
        e.TotalGpus, wasRunning: true);
    public void Apply(JobTimedOut e, UserSummary view)
        => view.Finished(JobState.Timeout, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
    public void Apply(JobEndCorrected e, UserSummary view) => view.Corrected(e.PreviousState, e.State);
}
