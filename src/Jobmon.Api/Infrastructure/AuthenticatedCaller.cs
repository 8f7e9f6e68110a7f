namespace Jobmon.Infrastructure;

public sealed record AuthenticatedCaller(string Name, string[] Roles, string Kind, Guid? SessionId = null,
    Guid? KeyId = null);
