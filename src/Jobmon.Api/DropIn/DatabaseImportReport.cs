using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Jobmon.Accounts;
using Jobmon.Compat;
using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Writing;
using Jobmon.Metrics;
using Marten;
using Npgsql;

namespace Jobmon.DropIn;

/// <param name="Jobs">New jobs imported.</param>
/// <param name="Updated">Already imported jobs brought up to date with the original (see <paramref
/// name="Changes"/>).</param>
/// <param name="Changes">One line per change: "cluster/id: what".</param>
public sealed record DatabaseImportReport(bool DryRun, int Jobs, int AlreadyImported, int RunningJobs, int Tags,
    int Statistics, int Accounts,
    List<string> Problems, int Updated = 0, List<string>? Changes = null, int TokensImported = 0);
