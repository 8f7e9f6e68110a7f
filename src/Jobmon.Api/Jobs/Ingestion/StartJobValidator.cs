using System.Text.RegularExpressions;
using FluentValidation;
using Jobmon.Infrastructure;
using Marten;

using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Ingestion;

public sealed class StartJobValidator : AbstractValidator<StartJob>
{
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly Regex ClusterName = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", RegexOptions.Compiled);

    public StartJobValidator(TimeProvider clock)
    {
        RuleFor(x => x.Cluster).NotEmpty().Matches(ClusterName)
            .WithMessage("must be a cluster name (letters, digits, '.', '_', '-').");
        RuleFor(x => x.SlurmId).GreaterThan(0).LessThanOrEqualTo(99_999_999_999L);
        RuleFor(x => x.User).NotEmpty().MaximumLength(256);
        RuleFor(x => x.UserId).GreaterThanOrEqualTo(0).LessThanOrEqualTo(uint.MaxValue);
        RuleFor(x => x.GroupId).GreaterThanOrEqualTo(0).LessThanOrEqualTo(uint.MaxValue);
        RuleFor(x => x.NumNodes).GreaterThan(0).LessThanOrEqualTo(1_000_000);
        RuleFor(x => x.NumTasks).GreaterThanOrEqualTo(0).LessThanOrEqualTo(100_000_000);
        RuleFor(x => x.TasksPerNode).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1_000_000);
        RuleFor(x => x.GpusPerNode).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1024);
        RuleFor(x => x.Partition).MaximumLength(128);
        RuleFor(x => x.ArrayJobId).GreaterThan(0).LessThanOrEqualTo(99_999_999_999L);
        RuleFor(x => x.ArrayTaskId).GreaterThanOrEqualTo(0).LessThanOrEqualTo(100_000_000);
        RuleFor(x => x.ArrayTaskId).NotNull().When(x => x.ArrayJobId is not null)
            .WithMessage("is required with an array job id.");
        RuleFor(x => x.NumCpus).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1_000_000_000);
        RuleFor(x => x.Nodes).NotEmpty().WithMessage("must name at least one node.")
            .Must(n => n.Length <= 1_000_000).WithMessage("has too many nodes.");
        RuleForEach(x => x.Nodes).Matches(NodeNames.Valid).WithMessage("'{PropertyValue}' is not a valid host name.");
        RuleFor(x => x.StartTime).GreaterThanOrEqualTo(Earliest).WithMessage("must be after 2000-01-01.")
            .Must(t => t <= clock.GetUtcNow().AddDays(1)).WithMessage("must not be more than a day in the future.");
    }
}
