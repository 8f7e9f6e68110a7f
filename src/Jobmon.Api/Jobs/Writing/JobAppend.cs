using System.Threading.Channels;
using JasperFx;
using JasperFx.Events;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Writing;

/// <summary>An append decided elsewhere (the original database's import): a new stream when
/// <paramref name="VersionBefore"/> is null, else events after that stream version (optimistic concurrency).</summary>
public sealed record JobAppend(Guid JobId, long? VersionBefore, object[] Events);
