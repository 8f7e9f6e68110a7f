using FluentValidation;
using Jobmon.Infrastructure;

namespace Jobmon.Jobs.Ingestion;

/// <summary>SLURM epilog: <see cref="Cluster"/> is null when the caller did not name it.</summary>
public sealed record StopJob(long SlurmId, string? Cluster, int ExitCode, DateTimeOffset StopTime)
{
    /// <summary>A state the caller states explicitly (ClusterCockpit payloads); otherwise decided from the exit status.</summary>
    public JobState? State { get; init; }

    public static StopJob FromBody(JsonBody body, long slurmId, string? clusterFromQuery)
    {
        var cluster = clusterFromQuery ?? body.String("clusterId", 128) ?? body.String("cluster", 128);
        var stop = new StopJob(slurmId, string.IsNullOrEmpty(cluster) ? null : cluster,
            body.Int("exitCode") ?? 0, body.Time("stopTime") ?? default);
        foreach (var required in new[] { "exitCode", "stopTime" })
            if (!body.Has(required)) body.AddError(required, "is required.");
        return stop;
    }
}

public sealed class StopJobValidator : AbstractValidator<StopJob>
{
    public StopJobValidator(TimeProvider clock)
    {
        RuleFor(x => x.SlurmId).GreaterThan(0).LessThanOrEqualTo(99_999_999_999L);
        RuleFor(x => x.Cluster!).Matches(StartJobValidator.ClusterName).When(x => x.Cluster is not null)
            .WithMessage("must be a cluster name (letters, digits, '.', '_', '-').");
        // A wait status fits in 16 bits; SLURM never reports anything else.
        RuleFor(x => x.ExitCode).InclusiveBetween(0, 0xFFFF);
        RuleFor(x => x.StopTime).GreaterThanOrEqualTo(StartJobValidator.Earliest).WithMessage("must be after 2000-01-01.")
            .Must(t => t <= clock.GetUtcNow().AddDays(1)).WithMessage("must not be more than a day in the future.");
    }
}
