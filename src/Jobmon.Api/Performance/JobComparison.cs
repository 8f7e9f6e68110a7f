using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Marten;

namespace Jobmon.Performance;

/// <param name="By">"name" or "account": what the earlier runs share with this job.</param>
/// <param name="Runs">The user's last N finished runs with the same name (or account), newest first, this job
/// excluded.</param>
public sealed record JobComparison(string By, string Key, ComparedRun Job, IReadOnlyList<ComparedRun> Runs);
