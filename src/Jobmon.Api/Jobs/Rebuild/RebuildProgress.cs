using System.Threading.Channels;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using Marten.Schema;
using Marten;
using Npgsql;
using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Rebuild;

/// <summary>Progress of a bulk rebuild: streams (jobs) and events folded so far, of the total.</summary>
public sealed record RebuildProgress(long Streams, long StreamsTotal, long Events);
