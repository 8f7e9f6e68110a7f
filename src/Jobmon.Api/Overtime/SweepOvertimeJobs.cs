using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;
using Wolverine;

namespace Jobmon.Overtime;

/// <summary>Ask for one sweep now (admins, tests); the background loop sends it on a timer. An admin's sweep names
/// who asked and why: both are on every event it appends. The message keeps the name it had before the slice moved
/// (Wolverine stores queued and scheduled messages under it).</summary>
[Wolverine.Attributes.MessageIdentity("Jobmon.Jobs.Overtime.SweepOvertimeJobs")]
public sealed record SweepOvertimeJobs(string? RequestedBy = null, string? Reason = null);
