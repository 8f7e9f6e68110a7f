using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;
using Wolverine;

namespace Jobmon.Overtime;

public static class SweepOvertimeJobsHandler
{
    public static Task<SweepResult> Handle(SweepOvertimeJobs sweep, OvertimeSweeper sweeper, CancellationToken ct) =>
        sweeper.SweepAsync(ct, sweep.RequestedBy, sweep.Reason);
}
