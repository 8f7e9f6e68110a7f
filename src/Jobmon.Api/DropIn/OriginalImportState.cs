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

/// <summary>What the original showed of an imported job at the last import: the next run applies only what changed
/// in the original since, so whatever Jobmon itself recorded meanwhile (a stop from the SLURM script, a tag a user
/// removed, an admin's correction) is never overwritten.</summary>
public sealed class OriginalImportState
{
    public Guid Id { get; set; }
    public bool Running { get; set; }
    public string[] Tags { get; set; } = [];
    public string JobName { get; set; } = "";
    public string Account { get; set; } = "";
    public string Group { get; set; } = "";
    public string? JobScript { get; set; }
    public int NumTasks { get; set; }
    public int GpusPerNode { get; set; }
}
