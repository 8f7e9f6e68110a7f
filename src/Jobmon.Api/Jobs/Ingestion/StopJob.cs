using FluentValidation;
using Jobmon.Infrastructure;

using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Ingestion;


/// <summary>SLURM epilog: <see cref="Cluster"/> is null when the caller did not name it.</summary>
public sealed record StopJob(long SlurmId, string? Cluster, int ExitCode, DateTimeOffset StopTime) : ISlurmJobCommand
{
    public Decision Decide(IReadOnlyList<JobView> known, Func<Guid> newId)
        => IngestionDecisions.Decide(this, known, newId);

    /// <summary>A state the caller states explicitly (ClusterCockpit payloads); otherwise decided from the exit
    /// status.</summary>
    public JobState? State { get; init; }
    /// <summary>True when this is SLURM's final record of the run whose end was first reported at <see
    /// cref="StopTime"/>
    /// (the script re-reads the job once it left COMPLETING): it may correct that first report.</summary>
    public bool Final { get; init; }
    /// <summary>SLURM's reason text for the end (e.g. "TimeLimit", "cancelled by root"); null when none.</summary>
    public string? Reason { get; init; }

    public static StopJob FromBody(JsonBody body, long slurmId, string? clusterFromQuery)
    {
        var cluster = clusterFromQuery ?? body.String("clusterId", 128) ?? body.String("cluster", 128);
        var state = body.String("state", 64);
        var stop = new StopJob(slurmId, string.IsNullOrEmpty(cluster) ? null : cluster,
            body.Int("exitCode") ?? 0, body.Time("stopTime") ?? default)
        {
            // Optional: the original script sends neither; SLURM's names (TIMEOUT, OUT_OF_MEMORY) or Jobmon's.
            State = StateNames.FromSlurm(state),
            Final = body.Bool("final") ?? false,
            Reason = body.String("reason", 1024) is { Length: > 0 } r && r != "None" && r != "(null)" ? r : null,
        };
        if (state is not null && stop.State is null)
            body.AddError("state",
                $"'{state}' is not a SLURM end state (COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, " +
                "NODE_FAIL, PREEMPTED, REQUEUED, BOOT_FAIL, DEADLINE).");
        if (stop.Final && state is null) body.AddError("state", "is required with final.");
        foreach (var required in new[] { "exitCode", "stopTime" })
            if (!body.Has(required)) body.AddError(required, "is required.");
        return stop;
    }
}
