using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Marten;

namespace Jobmon.Usage;


public static class UsageEndpoints
{
    private static readonly HashSet<string> Allowed =
        ["from", "to", "cluster", "partition", "state", "user", "interval"];
    private const int MaxDays = 400;

    public static IEndpointRouteBuilder MapUsage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/usage", Get).RequireAuthorization(Policies.Reader).WithTags("Statistics")
            .WithSummary("Usage (node-, GPU-, core-, wall-hours, jobs by end state, findings, wasted GPU-hours) in a " +
                "time range, from the usage " +
                         "projection; running jobs count up to now. Default: the last 14 days. A user sees their " +
                             "own; admins anyone's or everybody's.")
            .Produces<UsageReport>().ProducesValidationProblem().ProducesProblem(404);
        return app;
    }

    private static async Task<IResult> Get(HttpContext http, IQuerySession session, TimeProvider clock,
        CancellationToken ct)
    {
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        foreach (var key in q.Keys.Where(k => !Allowed.Contains(k)))
            errors[key] = [$"unknown parameter; allowed: {string.Join(", ", Allowed)}."];
        var now = clock.GetUtcNow();
        var interval = q["interval"].ToString() is { Length: > 0 } i ? i : null;
        if (interval is not (null or "day" or "month")) errors["interval"] = ["day or month."];
        var from = ParseTime(q, "from", errors);
        var to = ParseTime(q, "to", errors);
        var states = q["state"].SelectMany(s => (s ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(s => s.ToLowerInvariant()).ToHashSet();
        var known = Enum.GetNames<JobState>().Select(s => s.ToLowerInvariant()).ToHashSet();
        if (states.FirstOrDefault(s => !known.Contains(s)) is { } bad)
            errors["state"] = [$"'{bad}' is not a job state ({string.Join(", ", known)})."];
        string? cluster = q["cluster"].ToString() is { Length: > 0 } c ? c : null, partition =
            q["partition"].ToString() is { Length: > 0 } p ? p : null;
        if (cluster?.Length > 200) errors["cluster"] = ["at most 200 characters."];
        if (partition?.Length > 200) errors["partition"] = ["at most 200 characters."];
        var user = q["user"].ToString() is { Length: > 0 } u ? u : null;
        if (user?.Length > 200) errors["user"] = ["at most 200 characters."];
        if (errors.Count > 0) return Problems.Validation(errors);

        var caller = Caller.From(http.User);
        if (!caller.SeesAllJobs)
        {
            if (user is not null && user != caller.Name) return Problems.NotFound($"no usage for {user}.");
            user = caller.Name;
        }

        // Whole UTC days (months): the buckets' grid. Default: the last 14 days including today.
        var end = to is { } t ? (t.TimeOfDay == TimeSpan.Zero ? t
            : UsageBucket.Next(UsageBucket.Day, UsageBucket.PeriodOf(UsageBucket.Day, t)))
            : UsageBucket.Next(UsageBucket.Day, UsageBucket.PeriodOf(UsageBucket.Day, now));
        var start = from is { } f ? UsageBucket.PeriodOf(UsageBucket.Day, f) : end.AddDays(-14);
        interval ??= (end - start).TotalDays > 92 ? UsageBucket.Month : UsageBucket.Day;
        if (interval == UsageBucket.Month)
        {
            start = UsageBucket.PeriodOf(UsageBucket.Month, start);
            var endMonth = UsageBucket.PeriodOf(UsageBucket.Month, end);
            end = endMonth == end ? end : UsageBucket.Next(UsageBucket.Month, endMonth);
        }
        if (end <= start) return Problems.Validation("to", "must be after from.");
        if (interval == UsageBucket.Day && (end - start).TotalDays > MaxDays)
            return Problems.Validation("from", $"at most {MaxDays} days with interval=day; use interval=month.");
        if (interval == UsageBucket.Month && (end - start).TotalDays > 366 * 20)
            return Problems.Validation("from", "at most 20 years.");

        var query = session.Query<UsageBucket>().Where(b => b.Kind == interval && b.Period >= start && b.Period < end);
        if (user is not null) query = query.Where(b => b.User == user);
        if (cluster is not null) query = query.Where(b => b.Cluster == cluster);
        if (partition is not null) query = query.Where(b => b.Partition == partition);
        var buckets = await query.ToListAsync(ct);
        // Running jobs sit in the month bucket of their start (any month before the range's end).
        var runningQuery = session.Query<UsageBucket>()
            .Where(b => b.RunningCount > 0 && b.Kind == UsageBucket.Month && b.Period < end);
        if (user is not null) runningQuery = runningQuery.Where(b => b.User == user);
        if (cluster is not null) runningQuery = runningQuery.Where(b => b.Cluster == cluster);
        if (partition is not null) runningQuery = runningQuery.Where(b => b.Partition == partition);
        var withRunning = await runningQuery.ToListAsync(ct);

        var all = new Accumulator(); var byPeriod = new SortedDictionary<DateTimeOffset, Accumulator>();
        var byUser = new Dictionary<string, Accumulator>(); var byPartition = new Dictionary<string, Accumulator>();
        for (var period = start; period < end; period = UsageBucket.Next(interval, period))
            byPeriod[period] = new Accumulator();
        IEnumerable<Accumulator> Targets(UsageBucket b, DateTimeOffset period) =>
        [
            all, byPeriod[period], Row(byUser, b.User), Row(byPartition, $"{b.Cluster}/{b.Partition}"),
        ];
        foreach (var b in buckets)
            foreach (var a in Targets(b, b.Period)) a.AddFinished(b, states);
        if (states.Count == 0 || states.Contains("running"))
            foreach (var b in withRunning)
                foreach (var r in b.Running.Values)
                {
                    if (r.Start >= end || r.Start >= now) continue;
                    var first = true;
                    for (var period = UsageBucket.PeriodOf(interval, r.Start > start ? r.Start : start); period < end
                        && period < now; period = UsageBucket.Next(interval, period))
                    {
                        var lo = r.Start > period ? r.Start : period;
                        var next = UsageBucket.Next(interval, period);
                        var hi = next < now ? next : now;
                        if (hi <= lo) continue;
                        foreach (var a in Targets(b, period))
                            a.AddRunning(r, (hi - lo).TotalHours, first && a != byPeriod[period]);
                        byPeriod[period].CountRunning(); // a job running through several periods is running in each
                        first = false;
                    }
                }

        return Results.Ok(new UsageReport(start, end, interval, user, now, all.Totals(),
            byPeriod.Select(kv => new UsagePeriod(kv.Key, kv.Value.Totals())).ToList(),
            byUser.OrderByDescending(kv => kv.Value.NodeHours).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new UsageRow(kv.Key, kv.Value.Totals())).ToList(),
            byPartition.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new UsageRow(kv.Key, kv.Value.Totals())).ToList()));
    }

    private static Accumulator Row(Dictionary<string, Accumulator> d, string key) => d.TryGetValue(key, out var a) ? a
        : d[key] = new Accumulator();

    private static DateTimeOffset? ParseTime(IQueryCollection q, string name, Dictionary<string, string[]> errors)
    {
        var raw = q[name].ToString();
        if (raw.Length == 0) return null;
        if (long.TryParse(raw, out var unix) && unix is > 0 and < 253_402_300_799)
            return DateTimeOffset.FromUnixTimeSeconds(unix);
        if (DateTimeOffset.TryParse(raw, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal
                    | System.Globalization.DateTimeStyles.AdjustToUniversal,
                out var t)
            && t.Year is >= 1970 and < 9000)
            return t.ToUniversalTime();
        errors[name] = ["an ISO 8601 date or time (e.g. 2026-11-01) or Unix seconds."];
        return null;
    }

    private sealed class Accumulator
    {
        private readonly UsageFigures _figures = new();
        private readonly Dictionary<string, long> _byState = new();
        private long _running, _withFindings;
        private double _wasted;
        public double NodeHours => _figures.NodeHours;

        public void AddFinished(UsageBucket b, HashSet<string> states)
        {
            foreach (var (state, f) in b.States)
            {
                if (states.Count > 0 && !states.Contains(state)) continue;
                _figures.Add(f);
                if (f.Jobs != 0) _byState[state] = _byState.GetValueOrDefault(state) + f.Jobs;
            }
            foreach (var entry in b.Findings.Values)
            {
                if (states.Count > 0 && !states.Contains(entry.State)) continue;
                if (entry.Counted) _withFindings++;
                _wasted += entry.WastedGpuHours;
            }
        }

        public void AddRunning(RunningJob r, double hours, bool count)
        {
            _figures.WallHours += hours;
            _figures.NodeHours += hours * r.Nodes;
            _figures.GpuHours += hours * r.Gpus;
            _figures.CoreHours += hours * r.Cpus;
            if (count) _running++;
        }

        public void CountRunning() => _running++;

        public UsageTotals Totals()
        {
            var finished = _byState.Values.Sum();
            return new UsageTotals(finished, _running, new Dictionary<string, long>(_byState), _figures.WallHours,
                _figures.NodeHours, _figures.GpuHours,
                _figures.CoreHours, _withFindings, finished == 0 ? 0 : (double)_withFindings / finished, _wasted);
        }
    }
}
