using FluentValidation;
using Jobmon.Infrastructure;

using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Ingestion;

public sealed class StopJobValidator : AbstractValidator<StopJob>
{
    public StopJobValidator(TimeProvider clock)
    {
        RuleFor(x => x.SlurmId).GreaterThan(0).LessThanOrEqualTo(99_999_999_999L);
        RuleFor(x => x.Cluster!).Matches(StartJobValidator.ClusterName).When(x => x.Cluster is not null)
            .WithMessage("must be a cluster name (letters, digits, '.', '_', '-').");
        // A wait status fits in 16 bits; SLURM never reports anything else.
        RuleFor(x => x.ExitCode).InclusiveBetween(0, 0xFFFF);
        RuleFor(x => x.StopTime).GreaterThanOrEqualTo(StartJobValidator.Earliest)
            .WithMessage("must be after 2000-01-01.")
            .Must(t => t <= clock.GetUtcNow().AddDays(1)).WithMessage("must not be more than a day in the future.");
    }
}
