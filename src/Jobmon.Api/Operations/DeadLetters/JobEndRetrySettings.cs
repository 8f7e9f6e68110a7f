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
