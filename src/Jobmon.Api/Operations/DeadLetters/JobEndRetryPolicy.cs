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

/// <summary>Applies <see cref="JobEndRetrySettings"/> to the job-end handler. Rules are tried in order; the first whose
/// exception matches decides, and a matching rule whose attempts are used up moves the message to the dead
/// letters.</summary>
public sealed class JobEndRetryPolicy(JobEndRetrySettings settings) : IHandlerPolicy
{
    public static readonly Type[] MessageTypes = [typeof(FinalizeJobMetrics)];

    public void Apply(IReadOnlyList<HandlerChain> chains, GenerationRules rules, IServiceContainer container)
    {
        foreach (var chain in chains.Where(c => MessageTypes.Contains(c.MessageType))) Configure(chain, settings);
    }

    public static void Configure(HandlerChain chain, JobEndRetrySettings settings)
    {
        var cooldowns = settings.EffectiveCooldowns;
        Schedule(Then(chain.OnException(TransientErrors.IsInfluxOutage, "InfluxDB unavailable"), cooldowns),
            settings.InfluxSchedule);
        Schedule(
            Then(chain.OnException(TransientErrors.IsTransientDatabaseError, "transient PostgreSQL error"), cooldowns),
            settings.EffectiveSchedule);
        if (cooldowns.Length > 0) chain.OnAnyException().RetryWithCooldown(cooldowns).Then.MoveToErrorQueue();
        else chain.OnAnyException().MoveToErrorQueue();
    }

    /// <summary>Scheduled retries; Wolverine takes at most 25 delays per call, so longer budgets come in
    /// parts.</summary>
    private static void Schedule(IFailureActions actions, TimeSpan[] delays)
    {
        foreach (var part in delays.Chunk(25)) actions = actions.ScheduleRetry(part).Then;
    }

    /// <summary>The quick cooldowns, then whatever follows (no cooldowns configured: straight to it).</summary>
    private static IFailureActions Then(PolicyExpression rule, TimeSpan[] cooldowns) =>
        cooldowns.Length > 0 ? rule.RetryWithCooldown(cooldowns).Then : rule;
}
