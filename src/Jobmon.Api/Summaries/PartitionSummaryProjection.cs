using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Summaries;

public sealed partial class PartitionSummaryProjection : MultiStreamProjection<PartitionSummary, string>
{
    public PartitionSummaryProjection()
    {
        Identity<JobStarted>(e => PartitionSummary.KeyOf(e.Cluster, e.Partition));
        Identities<JobEnded>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>()
            : [PartitionSummary.KeyOf(e.Cluster, e.Partition)]);
        Identity<JobTimedOut>(e => PartitionSummary.KeyOf(e.Cluster, e.Partition));
        Identities<JobEndCorrected>(e => e.User.Length == 0 || e.StartTime is null ? Array.Empty<string>()
            : [PartitionSummary.KeyOf(e.Cluster, e.Partition)]);
    }

    public void Apply(JobStarted e, PartitionSummary view)
    {
        view.Id = PartitionSummary.KeyOf(e.Cluster, e.Partition);
        view.Cluster = e.Cluster;
        view.Partition = e.Partition;
        view.Started(e);
    }
    public void Apply(JobEnded e, PartitionSummary view)
        => view.Finished(e.State, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
    public void Apply(JobTimedOut e, PartitionSummary view)
        => view.Finished(JobState.Timeout, e.StartTime, e.StopTime, e.NumNodes, e.TotalGpus, wasRunning: true);
    public void Apply(JobEndCorrected e, PartitionSummary view) => view.Corrected(e.PreviousState, e.State);
}
