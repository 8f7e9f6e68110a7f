using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Summaries;

/// <summary>Per unix group, keyed by group name.</summary>
public sealed class GroupSummary : JobCounters
{
    public string Id { get; set; } = "";
}
