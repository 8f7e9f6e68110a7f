using System.Threading.Channels;
using JasperFx;
using JasperFx.Events;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Writing;

/// <summary>A command decided over every job known under its SLURM id (any cluster, newest first): SLURM's and
/// ClusterCockpit's starts and stops. Group-committed by <see cref="JobStreamWriter.SubmitAsync"/>.</summary>
public interface ISlurmJobCommand
{
    long SlurmId { get; }
    Decision Decide(IReadOnlyList<JobView> known, Func<Guid> newId);
}
