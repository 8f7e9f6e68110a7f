using Jobmon.Infrastructure;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Wolverine.Marten;

namespace Jobmon.Accounts;

public sealed record AccessRequestInfo(Guid Id, string Username, string? Message, string[] RolesAtRequest,
    string Status, DateTimeOffset CreatedAt,
    DateTimeOffset? DecidedAt, string? DecidedBy, string[]? GrantedRoles, string? Reason)
{
    public static AccessRequestInfo From(AccessRequest r) =>
        new(r.Id, r.Username, r.Message, r.RolesAtRequest, r.Status, r.CreatedAt, r.DecidedAt, r.DecidedBy,
            r.GrantedRoles, r.Reason);
}
