using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;
using Wolverine;

namespace Jobmon.Overtime;

public static class OvertimeSetup
{
    public static IServiceCollection AddJobmonOvertimeSweeper(this IServiceCollection services, JobmonSettings settings)
    {
        services.AddSingleton<OvertimeSweeper>();
        if (settings.SweeperEnabled) services.AddHostedService<OvertimeSweepLoop>();
        return services;
    }
}
