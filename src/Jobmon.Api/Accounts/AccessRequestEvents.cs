using Jobmon.Infrastructure;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Wolverine.Marten;

namespace Jobmon.Accounts;

// Access requests are event-sourced, one stream per request, like the accounts they change: who asked (and with
// what message), who approved which roles or rejected it, and when, is the audit trail of how someone got access.
// The approval and the account's UserRolesChanged are written in one transaction. The inline view AccessRequest
// answers the lists and the rate limit; its PendingKey column carries a unique index, so a second pending request
// for the same account cannot be committed even by two replicas at once.

public sealed record AccessRequested(Guid RequestId, Guid AccountId, string Username, string? Message,
    string[] RolesAtRequest, DateTimeOffset At);

public sealed record AccessRequestApproved(Guid RequestId, string[] Roles, string By, DateTimeOffset At);

public sealed record AccessRequestRejected(Guid RequestId, string? Reason, string By, DateTimeOffset At);
