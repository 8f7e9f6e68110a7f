using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Summaries;

/// <summary>Per-user summary, keyed by user name. Async: write contention stays off the ingestion path.
/// Jobs whose start is unknown are counted once their start arrives (their user is unknown until then).</summary>
public sealed class UserSummary : JobCounters
{
    public string Id { get; set; } = "";
}
