using System.Globalization;
using System.Linq.Expressions;
using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Marten;
using Marten.Linq.MatchesSql;

namespace Jobmon.Jobs.Querying;

/// <summary>Filters, sort and paging of GET /api/jobs, parsed and validated from the query string.</summary>
public sealed record JobListQuery
{
    public string? Cluster { get; init; }
    public string? User { get; init; }
    public string? Group { get; init; }
    public string? Account { get; init; }
    public string? Partition { get; init; }
    public JobState[] States { get; init; } = [];
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public long? MinDuration { get; init; }
    public long? MaxDuration { get; init; }
    public int? MinNodes { get; init; }
    public int? MaxNodes { get; init; }
    public int? MinTasks { get; init; }
    public int? MaxTasks { get; init; }
    public int? MinGpus { get; init; }
    public int? MaxGpus { get; init; }
    public string[] Tags { get; init; } = [];
    public string? Text { get; init; }
    /// <summary>Host names from the node= hostlist: jobs that ran on any of them.</summary>
    public string[] Nodes { get; init; } = [];
    public bool Csv { get; init; }
    public bool? StartKnown { get; init; }
    public string Sort { get; init; } = "startTime";
    public bool Descending { get; init; } = true;
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = 50;

    public const int MaxPageSize = 500;
    public const int MaxNodeFilterHosts = 10_000;
    /// <summary>The duration sort merges two index reads of page × pageSize rows each (running jobs by their current
    /// duration).</summary>
    public const int MaxDurationSortRows = 50_000;

    /// <summary>Every query parameter the list understands; any other is a 400 (a typo must not silently widen the
    /// list).</summary>
    public static readonly string[] Parameters =
        ["cluster", "user", "group", "account", "partition", "state", "from", "to", "minDuration", "maxDuration",
         "minNodes", "maxNodes", "minTasks", "maxTasks", "minGpus", "maxGpus", "tags", "q", "node", "startKnown",
         "sort", "order", "page", "pageSize", "format"];
    public static readonly string[] SortColumns =
        ["startTime", "stopTime", "duration", "cluster", "user", "group", "account", "jobId", "name", "partition",
            "state",
         "numNodes", "numTasks", "gpus", "lastChanged"];

    public static (JobListQuery? Query, Dictionary<string, string[]> Errors) Parse(IQueryCollection q)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var key in q.Keys)
            if (!Parameters.Contains(key))
                errors[key.Length > 64 ? key[..64] : key] =
                    [$"unknown query parameter; known: {string.Join(", ", Parameters)}."];
        string? Text(string key, int max = 256)
        {
            var v = q[key].ToString();
            if (v.Length == 0) return null;
            if (v.Length > max) { errors[key] = [$"must be at most {max} characters long."]; return null; }
            return v;
        }
        long? Number(string key, long min, long max)
        {
            var v = q[key].ToString();
            if (v.Length == 0) return null;
            if (!long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || n < min
                || n > max)
            { errors[key] = [$"must be an integer between {min} and {max}."]; return null; }
            return n;
        }
        DateTimeOffset? Time(string key)
        {
            var v = q[key].ToString();
            if (v.Length == 0) return null;
            if (long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var secs) && secs <= 253402300799)
                return DateTimeOffset.FromUnixTimeSeconds(secs);
            if (DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
                return t;
            errors[key] = ["must be a unix time in seconds or an ISO 8601 timestamp."];
            return null;
        }

        var states = new List<JobState>();
        foreach (var s in (Text("state") ?? "").Split(',',
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Enum.TryParse<JobState>(s, ignoreCase: true, out var st) && Enum.IsDefined(st)
                && !int.TryParse(s, out _)) states.Add(st);
            else errors["state"] =
                [$"'{s}' is not one of " + string.Join(", ",
                    Enum.GetNames<JobState>().Select(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName)) + "."];
        }
        var tags = (Text("tags", 2048) ?? "").Split(',',
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (tags.Length > 20) errors["tags"] = ["at most 20 tags."];

        var sort = Text("sort") ?? "startTime";
        if (!SortColumns.Contains(sort)) errors["sort"] = [$"must be one of {string.Join(", ", SortColumns)}."];
        var order = (Text("order") ?? "desc").ToLowerInvariant();
        if (order is not ("asc" or "desc")) errors["order"] = ["must be asc or desc."];
        string[] nodes = [];
        if (Text("node", 4096) is { } hostlist)
        {
            try { nodes = Jobmon.Hostlists.Hostlist.Expand(hostlist, MaxNodeFilterHosts).Distinct().ToArray(); }
            catch (Jobmon.Hostlists.HostlistFormatException e) { errors["node"] =
                [$"not a hostlist: {e.Reason} (e.g. demo[001-004],demo010)."]; }
            catch (ArgumentException e) { errors["node"] = [e.Message]; }
        }
        var format = (Text("format") ?? "json").ToLowerInvariant();
        if (format is not ("json" or "csv")) errors["format"] = ["must be json or csv."];
        bool? startKnown = null;
        if (Text("startKnown") is { } sk)
        {
            if (bool.TryParse(sk, out var b)) startKnown = b; else errors["startKnown"] = ["must be true or false."];
        }

        var query = new JobListQuery
        {
            Cluster = Text("cluster", 128), User = Text("user"), Group = Text("group"), Account = Text("account"),
            Partition = Text("partition", 128), States = states.Distinct().ToArray(), From = Time("from"), To =
                Time("to"),
            MinDuration = Number("minDuration", 0, long.MaxValue), MaxDuration =
                Number("maxDuration", 0, long.MaxValue),
            MinNodes = (int?)Number("minNodes", 0, int.MaxValue), MaxNodes = (int?)Number("maxNodes", 0, int.MaxValue),
            MinTasks = (int?)Number("minTasks", 0, int.MaxValue), MaxTasks = (int?)Number("maxTasks", 0, int.MaxValue),
            MinGpus = (int?)Number("minGpus", 0, int.MaxValue), MaxGpus = (int?)Number("maxGpus", 0, int.MaxValue),
            Tags = tags, Text = Text("q"), Nodes = nodes, Csv = format == "csv", StartKnown = startKnown,
            Sort = sort, Descending = order == "desc",
            Page = (int)(Number("page", 1, 1_000_000) ?? 1), PageSize = (int)(Number("pageSize", 1, MaxPageSize) ?? 50),
        };
        if (query.From > query.To) errors["from"] = ["must not be after 'to'."];
        if (query.Sort == "duration" && !query.Csv && (long)query.Page * query.PageSize > MaxDurationSortRows)
            errors["page"] =
                [$"sorted by duration, pages reach at most row {MaxDurationSortRows}; narrow the filters."];
        return errors.Count > 0 ? (null, errors) : (query, errors);
    }

    /// <summary>The expression of the GIN index mt_doc_jobview_idx_nodes (Marten's computed index on JobView.Nodes), so
    /// PostgreSQL answers "any of these host names" from it; '^' is the parameter (jsonb's '?|' contains a
    /// '?').</summary>
    private const string NodesAnyOf = "CAST(d.data ->> 'nodes' as jsonb) ?| ^";

    /// <summary>Every value becomes a query parameter (Marten LINQ); nothing is concatenated into SQL.</summary>
    public IQueryable<JobView> Apply(IQueryable<JobView> jobs, DateTimeOffset now)
    {
        if (Cluster is { } cluster) jobs = jobs.Where(j => j.Cluster == cluster);
        if (User is { } user) jobs = jobs.Where(j => j.User == user);
        if (Group is { } group) jobs = jobs.Where(j => j.Group == group);
        if (Account is { } account) jobs = jobs.Where(j => j.Account == account);
        if (Partition is { } partition) jobs = jobs.Where(j => j.Partition == partition);
        if (States.Length == 1) { var s = States[0]; jobs = jobs.Where(j => j.State == s); }
        else if (States.Length > 1) { var s = States; jobs = jobs.Where(j => s.Contains(j.State)); }
        if (StartKnown is { } known) jobs = jobs.Where(j => j.StartKnown == known);
        // Overlap: the job ran at some point within [From, To]; running jobs extend to now.
        if (To is { } to) jobs = jobs.Where(j => j.WindowStart <= to);
        if (From is { } from) jobs = jobs.Where(j => j.WindowEnd >= from);
        if (MinDuration is { } minD)
        {
            var startedBefore = now.AddSeconds(-minD);
            jobs = jobs.Where(j => j.DurationSeconds >= minD
                || (j.State == JobState.Running && j.WindowStart <= startedBefore));
        }
        if (MaxDuration is { } maxD)
        {
            var startedAfter = now.AddSeconds(-maxD);
            jobs = jobs.Where(j => j.DurationSeconds <= maxD
                || (j.State == JobState.Running && j.WindowStart >= startedAfter));
        }
        if (MinNodes is { } minN) jobs = jobs.Where(j => j.NumNodes >= minN);
        if (MaxNodes is { } maxN) jobs = jobs.Where(j => j.NumNodes <= maxN);
        if (MinTasks is { } minT) jobs = jobs.Where(j => j.NumTasks >= minT);
        if (MaxTasks is { } maxT) jobs = jobs.Where(j => j.NumTasks <= maxT);
        if (MinGpus is { } minG) jobs = jobs.Where(j => j.TotalGpus >= minG);
        if (MaxGpus is { } maxG) jobs = jobs.Where(j => j.TotalGpus <= maxG);
        foreach (var tag in Tags) jobs = jobs.Where(j => j.TagNames.Contains(tag));
        // jsonb "?|" (any of these strings is an element of the array): the GIN index on the node array answers it.
        if (Nodes.Length > 0) { var names = Nodes; jobs =
            jobs.Where(j => j.MatchesSql('^', NodesAnyOf, new object[] { names })); }
        if (Text is { } text)
        {
            var needle = text.ToLowerInvariant();
            // "123_4" is SLURM's name of an array task: exactly that task, not 123_45.
            if (JobView.ArrayTaskName.Match(text) is { Success: true } m &&
                long.TryParse(m.Groups[1].Value, out var arrayId) && int.TryParse(m.Groups[2].Value, out var taskId))
                jobs = jobs.Where(j => j.ArrayJobId == arrayId && j.ArrayTaskId == taskId);
            else
            {
                // Substring of id/name/account (trigram index), or exactly one of the job's host names (GIN index).
                var host = new[] { text.Trim() };
                jobs = jobs.Where(j => j.SearchText.Contains(needle)
                    || j.MatchesSql('^', NodesAnyOf, new object[] { host }));
            }
        }
        return jobs;
    }

    public IQueryable<JobView> Order(IQueryable<JobView> jobs)
    {
        IOrderedQueryable<JobView> By<TKey>(Expression<Func<JobView, TKey>> key) =>
            Descending ? jobs.OrderByDescending(key) : jobs.OrderBy(key);
        var ordered = Sort switch
        {
            "stopTime" => By(j => j.StopTime),
            "duration" => By(j => j.DurationSeconds),
            "cluster" => By(j => j.Cluster),
            "user" => By(j => j.User),
            "group" => By(j => j.Group),
            "account" => By(j => j.Account),
            "jobId" => By(j => j.SlurmId),
            "name" => By(j => j.JobName),
            "partition" => By(j => j.Partition),
            "state" => By(j => j.State),
            "numNodes" => By(j => j.NumNodes),
            "numTasks" => By(j => j.NumTasks),
            "gpus" => By(j => j.TotalGpus),
            "lastChanged" => By(j => j.LastChangedAt),
            _ => By(j => j.WindowStart), // the start, or the end for jobs whose start is unknown
        };
        // Stable pages: ties broken by the start, then the unique id. Every sort column's index has window_start
        // second (MartenSetup), so a page is read from it; the id only orders rows with equal keys and start times.
        if (Sort != "startTime")
            ordered = Descending ? ordered.ThenByDescending(j => j.WindowStart) : ordered.ThenBy(j => j.WindowStart);
        return Descending ? ordered.ThenByDescending(j => j.Id) : ordered.ThenBy(j => j.Id);
    }

    /// <summary>The total is counted up to this many jobs; beyond, the page says "more than this many"
    /// (ARCHITECTURE.md, "Job list: bounded total").</summary>
    public const int TotalCountLimit = 10_000;

    /// <summary>The ids the bounded total counts: at most <see cref="TotalCountLimit"/> + 1 matching jobs. A time
    /// window walks window_start back from the window's end: without an order the planner may walk it forward
    /// from the oldest job, past every job that ended before the window (measured: 1.1 s instead of 80 ms at 1M
    /// jobs).</summary>
    public IQueryable<Guid> CountedIds(IQueryable<JobView> jobs, DateTimeOffset now)
    {
        var filtered = Apply(jobs, now);
        if (From is not null || To is not null) filtered = filtered.OrderByDescending(j => j.WindowStart);
        return filtered.Select(j => j.Id).Take(TotalCountLimit + 1);
    }
}
