using Jobmon.Accounts;
using Jobmon.Compat;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Metrics;
using Marten;

namespace Jobmon.DropIn;

public sealed record ImportReport(bool DryRun, List<string> Metrics, List<string> Partitions, List<string> Accounts,
    List<string> Problems);
