using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Metrics;

/// <summary>Reads and changes the catalogue. Every change is an event on the catalogue stream (audit) and takes effect
/// at once.</summary>
public sealed class CatalogueStore(IDocumentStore store)
{
    public async Task<MetricCatalogue> LoadAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<MetricCatalogue>(MetricCatalogue.StreamId, ct)
            ?? new MetricCatalogue { Id = MetricCatalogue.StreamId };
    }

    public async Task AppendAsync(EventContext context, CancellationToken ct, params object[] events)
    {
        await using var session = store.LightweightSession();
        context.ApplyTo(session);
        var stream = await session.Events.FetchForWriting<MetricCatalogue>(MetricCatalogue.StreamId, ct);
        if (stream.Aggregate is null) session.Events.StartStream<MetricCatalogue>(MetricCatalogue.StreamId, events);
        else stream.AppendMany(events);
        await session.SaveChangesAsync(ct);
    }
}
