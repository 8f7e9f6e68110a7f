using System.Threading.Channels;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using Marten.Schema;
using Marten;
using Npgsql;
using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Rebuild;

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread, in order (unlike <see
/// cref="Progress{T}"/>,
/// which posts to the thread pool, so a late report can overwrite a final state).</summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock gate = new();
    public void Report(T value) { lock (gate) report(value); }
}
