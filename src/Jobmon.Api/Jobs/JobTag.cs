using JasperFx.Events;

namespace Jobmon.Jobs;

public sealed record JobTag(string Name, string CreatedBy, TagVisibility Visibility, DateTimeOffset CreatedAt,
    string? Reason = null);
