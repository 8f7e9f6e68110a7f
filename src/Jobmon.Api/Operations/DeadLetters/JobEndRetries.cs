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

/// <summary>
/// Retry budget of job-end processing (<see cref="FinalizeJobMetrics"/>): <c>Jobmon:JobEndRetries:*</c>.
/// Every failure first gets the quick in-process <see cref="Cooldowns"/> (the message stays in the durable inbox).
/// Then a transient database error (connection lost, serialization/deadlock, too many connections, shutdown, lock or
/// statement timeout) gets the durable <see cref="Schedule"/> (defaults: 5 min, 15 min, 1 h, 4 h — about 5 h 21 min
/// in all); InfluxDB being unavailable gets the same schedule, then its last step again until
/// <see cref="InfluxOutageBudget"/> (default 3 days: 73 h 20 min with the defaults) is used up, so a day-long InfluxDB
/// outage loses nothing. Anything else (a bug) gets the cooldowns only. A message whose budget is used up becomes a
/// dead letter (Wolverine's <c>wolverine_dead_letters</c> table, kept until an admin requeues or deletes it).
/// Attempts are counted per message across causes: a database error after the database budget's attempts ends it
/// even if earlier attempts failed because InfluxDB was down.
/// </summary>
public sealed class JobEndRetrySettings
{
    public static readonly TimeSpan[] DefaultCooldowns =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];
    public static readonly TimeSpan[] DefaultSchedule =
        [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), TimeSpan.FromHours(4)];

    /// <summary>In-process retries after these pauses (null: 1 s, 5 s, 30 s). Configured items replace the
    /// defaults.</summary>
    public TimeSpan[]? Cooldowns { get; set; }
    /// <summary>Durable scheduled retries for transient database and InfluxDB errors (null: 5 min, 15 min, 1 h,
    /// 4 h).</summary>
    public TimeSpan[]? Schedule { get; set; }
    /// <summary>Total scheduled time for InfluxDB outages: the schedule's last step repeats until it is
    /// reached.</summary>
    public TimeSpan InfluxOutageBudget { get; set; } = TimeSpan.FromDays(3);

    public TimeSpan[] EffectiveCooldowns => Cooldowns ?? DefaultCooldowns;
    public TimeSpan[] EffectiveSchedule => Schedule ?? DefaultSchedule;

    /// <summary>The schedule stretched to the InfluxDB outage budget by repeating its last step.</summary>
    public TimeSpan[] InfluxSchedule
    {
        get
        {
            var schedule = EffectiveSchedule.ToList();
            var total = schedule.Aggregate(TimeSpan.Zero, (a, b) => a + b);
            while (total < InfluxOutageBudget)
            {
                schedule.Add(schedule[^1]);
                total += schedule[^1];
            }
            return schedule.ToArray();
        }
    }

    /// <summary>The Operations slice's own settings (Jobmon:JobEndRetries:*), bound and checked by it; Program.cs
    /// loads them with the rest.</summary>
    public static JobEndRetrySettings Load(IConfiguration configuration)
    {
        var settings = configuration.GetSection("Jobmon:JobEndRetries").Get<JobEndRetrySettings>() ?? new();
        settings.Validate();
        return settings;
    }

    public void Validate()
    {
        const string prefix = "Jobmon:JobEndRetries";
        var cooldowns = EffectiveCooldowns;
        if (cooldowns.Length > 10 || cooldowns.Any(c => c <= TimeSpan.Zero || c > TimeSpan.FromMinutes(5)))
            throw new InvalidOperationException(
                $"{prefix}:Cooldowns must be at most 10 pauses, each above 0 and at most 5 minutes "
                + "(they hold a worker).");
        var schedule = EffectiveSchedule;
        if (schedule.Length is < 1 or > 20 || schedule.Any(s => s <= TimeSpan.Zero || s > TimeSpan.FromDays(1)))
            throw new InvalidOperationException(
                $"{prefix}:Schedule must be 1 to 20 delays, each above 0 and at most 1 day.");
        var scheduled = EffectiveSchedule.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        if (InfluxOutageBudget < scheduled || InfluxOutageBudget > TimeSpan.FromDays(30))
            throw new InvalidOperationException(
                $"{prefix}:InfluxOutageBudget must be at least the schedule's total ({scheduled}) "
                + "and at most 30 days.");
        // Counted, not built: a tiny last step with a long budget would loop for a long time.
        if (schedule.Length + Math.Ceiling((InfluxOutageBudget - scheduled) / schedule[^1]) > 1000)
            throw new InvalidOperationException(
                $"{prefix}:InfluxOutageBudget needs more than 1000 retries with this schedule: "
                + "make its last step longer.");
    }
}

/// <summary>Which failures are worth retrying later: the dependency will likely be back, the message is fine.</summary>
public static class TransientErrors
{
    /// <summary>PostgreSQL (or the way to it) failed transiently; searched through wrapping exceptions
    /// (Marten's).</summary>
    public static bool IsTransientDatabaseError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            switch (e)
            {
                case PostgresException p:
                    return IsTransientSqlState(p.SqlState);
                case NpgsqlException:
                case SocketException:
                case TimeoutException:
                case Marten.Exceptions.SessionTransactionUnusableException:
                    // Npgsql's own (not the server's) errors: connecting, I/O, the pool, its command timeout.
                    if (e is NpgsqlException { InnerException: not null } n && n.InnerException is not
                            (SocketException or IOException or TimeoutException or EndOfStreamException))
                        continue;
                    return true;
            }
        return false;
    }

    /// <summary>Connection exceptions (08), transaction rollbacks: serialization failure, deadlock (40), insufficient
    /// resources: too many connections, disk full (53), admin/crash shutdown, cannot connect now (57P01–57P03),
    /// lock not available: lock_timeout (55P03), query canceled: statement_timeout (57014).</summary>
    public static bool IsTransientSqlState(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("40", StringComparison.Ordinal)
        || state.StartsWith("53", StringComparison.Ordinal)
        || state is "57P01" or "57P02" or "57P03" or "55P03" or "57014";

    /// <summary>InfluxDB down, timing out or unreachable; a query it rejected (422) is a bug, not an outage.</summary>
    public static bool IsInfluxOutage(Exception e) => e is MetricsUnavailableException { Status: not 422 };
}

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

public static class JobEndRetrySetup
{
    /// <summary>Replaces the old global "retry InfluxDB errors forever" rule with the bounded budget above.</summary>
    public static void AddJobEndRetries(this WolverineOptions opts, JobEndRetrySettings settings) =>
        opts.Policies.Add(new JobEndRetryPolicy(settings));
}
