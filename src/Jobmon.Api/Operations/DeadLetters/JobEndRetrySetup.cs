using System.Net.Sockets;
using JasperFx;
using JasperFx.CodeGeneration;
using Jobmon.Metrics;
using Npgsql;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Jobmon.Operations.DeadLetters;

public static class JobEndRetrySetup
{
    /// <summary>Replaces the old global "retry InfluxDB errors forever" rule with the bounded budget above.</summary>
    public static void AddJobEndRetries(this WolverineOptions opts, JobEndRetrySettings settings) =>
        opts.Policies.Add(new JobEndRetryPolicy(settings));
}
