using Jobmon.Infrastructure;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Wolverine.Marten;

namespace Jobmon.Accounts;

public static class AccessRequestStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}
