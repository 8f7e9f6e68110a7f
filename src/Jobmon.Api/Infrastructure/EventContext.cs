using JasperFx.Events;
using Marten;

namespace Jobmon.Infrastructure;

/// <summary>Who caused the events, their correlation id and their source, stored as Marten event metadata.
/// Store-wide (jobs, accounts, the catalogue all write it), so it lives beside the other request plumbing
/// (<see cref="Caller"/>, the correlation id) rather than in a feature: no slice imports another for it.</summary>
/// <param name="Reason">Why an admin did this (admin actions require one): a header on every event of the action, so
/// one mechanism serves actions whose events come later or from elsewhere (recompute, sweep) without new event
/// fields.</param>
public sealed record EventContext(string CausedBy, string CorrelationId, string Source, string? Reason = null)
{
    public static EventContext From(HttpContext http, string source) =>
        new(Caller.From(http.User).Name, http.CorrelationId(), source);

    /// <summary>For a session whose events all come from one request.</summary>
    public void ApplyTo(IDocumentSession session)
    {
        session.CorrelationId = CorrelationId;
        session.LastModifiedBy = CausedBy;
        session.SetHeader("source", Source);
        session.SetHeader("causedBy", CausedBy); // Marten's user_name column is not filled in Quick append mode
        if (Reason is not null) session.SetHeader("reason", Reason);
    }

    /// <summary>The same metadata on one event, for batches whose events come from different requests (Marten
    /// fills only what an event leaves empty from the session).</summary>
    public IEvent Stamp(IEvent e)
    {
        e.CorrelationId = CorrelationId;
        e.UserName = CausedBy;
        e.SetHeader("source", Source);
        e.SetHeader("causedBy", CausedBy);
        if (Reason is not null) e.SetHeader("reason", Reason);
        return e;
    }
}
