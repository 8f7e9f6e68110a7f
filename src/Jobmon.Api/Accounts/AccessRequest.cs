using Jobmon.Infrastructure;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Wolverine.Marten;

namespace Jobmon.Accounts;

public sealed record AccessRequest
{
    public Guid Id { get; init; }
    public Guid AccountId { get; init; }
    public string Username { get; init; } = "";
    public string? Message { get; init; }
    public string[] RolesAtRequest { get; init; } = [];
    public string Status { get; init; } = AccessRequestStatus.Pending;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? DecidedBy { get; init; }
    public string[]? GrantedRoles { get; init; }
    public string? Reason { get; init; }
    /// <summary>The account id while pending, else null: unique, so one pending request per account.</summary>
    public string? PendingKey { get; init; }
    public int Version { get; set; }

    public static AccessRequest Create(AccessRequested e) => new()
    {
        Id = e.RequestId, AccountId = e.AccountId, Username = e.Username, Message = e.Message, RolesAtRequest =
            e.RolesAtRequest,
        CreatedAt = e.At, PendingKey = e.AccountId.ToString(),
    };
    public AccessRequest Apply(AccessRequestApproved e) => this with
        { Status = AccessRequestStatus.Approved, GrantedRoles = e.Roles, DecidedBy = e.By, DecidedAt = e.At,
            PendingKey = null };
    public AccessRequest Apply(AccessRequestRejected e) => this with
        { Status = AccessRequestStatus.Rejected, Reason = e.Reason, DecidedBy = e.By, DecidedAt = e.At, PendingKey =
            null };
}
