using System.Globalization;
using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Marten;
using Marten.Linq.MatchesSql;

namespace Jobmon.Nodes;

/// <summary>The jobs on one node in a time window (from the job view, by the node GIN index).</summary>
/// <param name="OtherJobs">Jobs of other people in the window: counted, not listed, for callers who may not read
/// them.</param>
public sealed record NodeJobsView(string Cluster, string Host, DateTimeOffset From, DateTimeOffset To,
    IReadOnlyList<JobListItem> Jobs, int OtherJobs, bool Truncated);
