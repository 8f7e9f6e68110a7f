using System.Threading.Channels;
using JasperFx;
using JasperFx.Events;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Writing;

public static class JobWritingSetup
{
    public static IServiceCollection AddJobStreamWriter(this IServiceCollection services)
        => services.AddSingleton<JobStreamWriter>();
}
