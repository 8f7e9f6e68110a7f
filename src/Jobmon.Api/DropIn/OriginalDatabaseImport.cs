using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Jobmon.Accounts;
using Jobmon.Compat;
using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Writing;
using Jobmon.Metrics;
using Marten;
using Npgsql;

namespace Jobmon.DropIn;


/// <summary>
/// Imports an existing installation's PostgreSQL (job_metadata, job_tags, job_to_tags, user_roles, user_sessions) into
/// the event store. Each job becomes a stream with a deterministic id (UUID v5 of cluster/id/start), so a second run
/// imports nothing twice; it brings already imported jobs up to date instead (ended, tags added or removed, metadata
/// changed), as events with the source "original-import", applying only what changed in the original since the
/// last run. Jobs the original's overtime sweeper ended (exit_code 1, stop = start + the partition's MaxTime:
/// backend/store finishOvertimeJobs) become timeouts with that reason.
/// </summary>
public sealed class OriginalDatabaseImport(IDocumentStore store, JobStreamWriter writer, JobmonSettings settings,
    CatalogueStore catalogue, AccountService accounts, ILogger<OriginalDatabaseImport> logger)
{
    private static readonly Guid Namespace = new("5b7c2d1e-8f3a-4c6b-9d0e-1a2b3c4d5e6f");
    public const string Source = "original-import";

    public static Guid StreamIdFor(string cluster, long id, long startTime)
    {
        // RFC 4122 version 5 (SHA-1, name-based).
        var ns = Namespace.ToByteArray(bigEndian: true);
        var hash = SHA1.HashData([.. ns, .. Encoding.UTF8.GetBytes($"original:{cluster}/{id}/{startTime}")]);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private sealed record OriginalJob(long Id, long? UserId, string User, long? GroupId, string Group, string Cluster,
        int NumNodes, int NumTasks,
        int TasksPerNode, int GpusPerNode, string NodeList, long StartTime, long StopTime, bool IsRunning,
            string JobName, string Account,
        string Partition, string? JobScript, int ExitCode, string? Data)
    {
        public string ClusterName => Cluster.Length > 0 ? Cluster : "default";
    }

    private sealed record OriginalTag(string Name, string Type, string CreatedBy)
    {
        public string JobmonName => Name.Length > 64 ? Name[..64] : Name;
    }

    public async Task<DatabaseImportReport> ImportAsync(string originalConnectionString, bool dryRun,
        CancellationToken ct)
    {
        var problems = new List<string>();
        var changes = new List<string>();
        await using var source = new NpgsqlConnection(originalConnectionString);
        await source.OpenAsync(ct);

        var tags = new Dictionary<long, List<OriginalTag>>();
        await using (var cmd =
            new NpgsqlCommand("SELECT jt.job_id, t.name, coalesce(t.type, ''), coalesce(t.created_by, '') FROM " +
            "job_to_tags jt JOIN job_tags t ON t.id = jt.tag_id ORDER BY t.id", source))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                if (!tags.TryGetValue(r.GetInt64(0), out var list)) tags[r.GetInt64(0)] = list = [];
                list.Add(new OriginalTag(r.GetString(1), r.GetString(2), r.GetString(3)));
            }

        var jobs = new List<OriginalJob>();
        const string sql = """
            SELECT id, user_id, coalesce(user_name,''), group_id, coalesce(group_name,''), coalesce(cluster_id,''),
                   coalesce(num_nodes,0), coalesce(num_tasks,0), coalesce(tasks_per_node,0), coalesce(gp_us_per_node,0),
                   coalesce(node_list,''), coalesce(start_time,0), coalesce(stop_time,0), coalesce(is_running,false),
                   coalesce(job_name,''), coalesce(account,''), coalesce(partition,''), job_script,
                   coalesce(exit_code,0), data::text
            FROM job_metadata ORDER BY id
            """;
        await using (var cmd = new NpgsqlCommand(sql, source))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                jobs.Add(new OriginalJob(r.GetInt64(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.GetString(2),
                    r.IsDBNull(3) ? null : r.GetInt64(3), r.GetString(4),
                    r.GetString(5), (int)r.GetInt64(6), (int)r.GetInt64(7), (int)r.GetInt64(8), (int)r.GetInt64(9),
                        r.GetString(10), r.GetInt64(11), r.GetInt64(12),
                    r.GetBoolean(13), r.GetString(14), r.GetString(15), r.GetString(16), r.IsDBNull(17) ? null
                        : r.GetString(17), (int)r.GetInt64(18),
                    r.IsDBNull(19) ? null : r.GetString(19)));

        var roles = new Dictionary<string, string[]>();
        await using (var cmd = new NpgsqlCommand("SELECT username, roles::text FROM user_roles", source))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                try { roles[r.GetString(0)] = JsonSerializer.Deserialize<string[]>(r.IsDBNull(1) ? "[]"
                    : r.GetString(1)) ?? []; }
                catch (JsonException) { problems.Add($"user_roles: roles of {r.GetString(0)} are not a JSON array; " +
                    "skipped"); }
            }
        var tokensImported = await ImportSessionTokensAsync(source, dryRun, problems, ct);

        var maxTimes = await MaxTimesAsync(ct);
        var ids = jobs.ToDictionary(j => j, j => StreamIdFor(j.ClusterName, j.Id, j.StartTime));
        var views = new Dictionary<Guid, JobView>();
        var states = new Dictionary<Guid, OriginalImportState>();
        await using (var query = store.QuerySession())
            foreach (var chunk in ids.Values.Chunk(5000))
            {
                foreach (var view in await query.Query<JobView>().Where(j => chunk.Contains(j.Id)).ToListAsync(ct))
                    views[view.Id] = view;
                foreach (var state in await query.LoadManyAsync<OriginalImportState>(ct, chunk))
                    states[state.Id] = state;
            }
        // Jobmon's own jobs under the new jobs' SLURM ids: a stop that reached Jobmon first (the script already
        // switched) is completed by the import's start; a job Jobmon runs under the same identity is not doubled.
        var newJobs = jobs.Where(j => !views.ContainsKey(ids[j])).ToList();
        var newIds = newJobs.Select(j => j.Id).Distinct().ToArray();
        var others = new List<JobView>();
        await using (var query = store.QuerySession())
            foreach (var chunk in newIds.Chunk(5000))
                others.AddRange(await query.Query<JobView>().Where(j => chunk.Contains(j.SlurmId)).ToListAsync(ct));
        var byIdentity = others.ToLookup(j => j.SlurmId);
        List<string> existingUsers;
        await using (var query = store.QuerySession())
            existingUsers = (await query.Query<UserAccount>().Select(a => a.Username).ToListAsync(ct)).ToList();

        int imported = 0, updated = 0, running = 0, tagCount = 0, statCount = 0;
        var plans = new List<(Guid StreamId, bool IsNew, long? ExpectedVersion, object[] Events,
            OriginalImportState State, string Job)>();
        foreach (var j in jobs)
        {
            var id = ids[j];
            var label = $"{j.ClusterName}/{j.Id}";
            var jobTags = tags.GetValueOrDefault(j.Id) ?? [];
            var seen = SeenNow(id, j, jobTags);
            if (!views.TryGetValue(id, out var view))
            {
                var (streamId, isNew, version, events) =
                    New(j, id, jobTags, byIdentity[j.Id], maxTimes, problems, ref statCount);
                if (events.Length == 0) continue;
                if (j.IsRunning) running++;
                tagCount += jobTags.Count;
                seen.Id = streamId;
                plans.Add((streamId, isNew, version, events, seen, label));
                imported++;
                continue;
            }
            // Already imported: what changed in the original since the last run (or since the view, for jobs a
            // version of the import without this record brought in).
            var last = states.GetValueOrDefault(id) ?? SeenFromView(view);
            var updates = Updates(j, view, last, jobTags, maxTimes, label, changes, problems, ref statCount);
            if (updates.Length > 0)
            {
                plans.Add((id, false, view.Version, updates, seen, label));
                updated++;
            }
            else if (!states.ContainsKey(id) || !Same(states[id], seen)) plans.Add((id, false, null, [], seen, label));
        }

        if (!dryRun)
            foreach (var batch in plans.Chunk(500))
            {
                // Appends with events carry their expected stream version (null: a new stream); the import's state
                // documents are stored in the same transaction.
                var appends = batch.Where(p => p.Events.Length > 0)
                    .Select(p => new JobAppend(p.StreamId, p.IsNew ? null : p.ExpectedVersion
                        ?? throw new InvalidOperationException($"no version for {p.Job}"), p.Events))
                    .ToList();
                try { await writer.AppendAsync(new EventContext("import", Guid.NewGuid().ToString("N"), Source),
                    appends, batch.Select(p => (object)p.State), ct); }
                catch (Exception e) when (JobStreamWriter.IsConflict(e))
                {
                    // A job Jobmon changed at this very moment: nothing of this batch is written; the next run retries
                    // it.
                    problems.Add($"{batch.Length} jobs ({batch[0].Job} … {batch[^1].Job}) changed in Jobmon while " +
                        "importing; not written, run the import again");
                    imported -= batch.Count(p => p.IsNew);
                }
            }

        var accounts = 0;
        foreach (var (username, userRoles) in roles.Where(r => !existingUsers.Contains(r.Key)))
        {
            accounts++;
            if (dryRun) continue;
            var id = Guid.CreateVersion7();
            await using var session = store.LightweightSession();
            session.SetHeader("source", Source);
            session.SetHeader("causedBy", "import");
            session.Events.StartStream<UserAccount>(id,
                new UserCreated(id, username, userRoles.Where(r => Infrastructure.Roles.Assignable.Contains(r))
                .ToArray(), "oidc", null, "import"));
            await session.SaveChangesAsync(ct);
        }
        logger.LogInformation("Original database import{DryRun}: {Jobs} new jobs, {Updated} updated, {Existing} " +
            "already imported", dryRun ? " (dry run)" : "", imported, updated, views.Count);
        return new DatabaseImportReport(dryRun, imported, views.Count, running, tagCount, statCount, accounts,
            problems, updated, changes, tokensImported);
    }

    /// <summary>The original's sweeper limits: its config.json's partitions (the sweeper used only those), else the
    /// catalogue's (imported from that config at start-up).</summary>
    private async Task<Dictionary<string, long>> MaxTimesAsync(CancellationToken ct)
    {
        if (settings.OriginalConfig is { } config)
            return config.Partitions.Where(p => p.Value.MaxTime > 0).ToDictionary(p => p.Key, p => p.Value.MaxTime);
        var current = await catalogue.LoadAsync(ct);
        return current.Partitions.Values.Where(p => p.MaxTime > 0).GroupBy(p => p.Name)
            .ToDictionary(g => g.Key, g => g.First().MaxTime!.Value);
    }

    private static bool SweptByTheOriginal(OriginalJob j, Dictionary<string, long> maxTimes) =>
        !j.IsRunning && j.ExitCode == 1 && maxTimes.TryGetValue(j.Partition, out var max) && j.StopTime == j.StartTime
            + max;

    private static string SweepReason(long maxTime) =>
        "ended by the original JobMon's overtime sweeper: still running after the partition's MaxTime " +
            $"({TimeSpan.FromSeconds(maxTime)}); its exit code 1 was the sweeper's marker, not SLURM's";

    /// <summary>The end of an ended original job as events: the sweeper's end as a timeout, a real end with its exit
    /// status.</summary>
    private static object[] EndOf(OriginalJob j, Guid id, int numNodes, Dictionary<string, long> maxTimes,
        List<string> problems, ref int statCount)
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(j.StartTime);
        var stop = DateTimeOffset.FromUnixTimeSeconds(Math.Max(j.StopTime, j.StartTime));
        var events = new List<object>();
        if (SweptByTheOriginal(j, maxTimes))
            events.Add(new JobTimedOut(id, j.ClusterName, j.Id, j.User, j.Partition, numNodes,
                j.GpusPerNode * numNodes, start, stop,
                TimeSpan.FromSeconds(maxTimes[j.Partition]), SweepReason(maxTimes[j.Partition]), j.Group));
        else
            events.Add(new JobEnded(id, j.ClusterName, j.Id, j.User, j.Partition, numNodes, j.GpusPerNode * numNodes,
                start, stop, j.ExitCode,
                ExitStatus.StateOf(j.ExitCode), j.Group));
        if (StatisticsOf(j.Data, problems, j.Id) is { Count: > 0 } stats)
        {
            events.Add(new JobMetricStatisticsRecorded(id, stop, 0, stats, Source));
            statCount++;
        }
        return events.ToArray();
    }

    private static (Guid StreamId, bool IsNew, long? Version, object[] Events) New(OriginalJob j, Guid id,
        List<OriginalTag> jobTags, IEnumerable<JobView> sameId,
        Dictionary<string, long> maxTimes, List<string> problems, ref int statCount)
    {
        var nodes = NodeNames.Split(j.NodeList);
        var numNodes = Math.Max(j.NumNodes, nodes.Length);
        var start = DateTimeOffset.FromUnixTimeSeconds(j.StartTime);
        var sameIdentity = sameId.Where(v => v.Cluster == j.ClusterName || v.Cluster == "").ToList();
        // A stop Jobmon received for this job before its start reached the original's database copy.
        var orphan = sameIdentity.Where(v => !v.StartKnown && v.StopTime >= start).OrderBy(v => v.StopTime)
            .FirstOrDefault();
        if (orphan is not null)
        {
            var completed = new List<object> { Started(j, orphan.Id, nodes, numNodes, start,
                new EndedBeforeStart(orphan.StopTime!.Value, orphan.State)) };
            completed.AddRange(jobTags.Select(t => Tagged(orphan.Id, t)));
            return (orphan.Id, false, orphan.Version, completed.ToArray());
        }
        if (j.IsRunning && sameIdentity.FirstOrDefault(v => v.State == JobState.Running) is { } runningInJobmon)
        {
            problems.Add($"{j.ClusterName}/{j.Id}: Jobmon already runs a job with this id (started " +
                $"{runningInJobmon.StartTime:u}); the original's is not imported twice");
            return (id, true, null, []);
        }
        var events = new List<object> { Started(j, id, nodes, numNodes, start, null) };
        if (!j.IsRunning) events.AddRange(EndOf(j, id, numNodes, maxTimes, problems, ref statCount));
        events.AddRange(jobTags.Select(t => Tagged(id, t)));
        return (id, true, null, events.ToArray());
    }

    private static JobStarted Started(OriginalJob j, Guid id, string[] nodes, int numNodes, DateTimeOffset start,
        EndedBeforeStart? ended) =>
        new(id, j.ClusterName, j.Id, j.User, j.UserId, j.Group, j.GroupId, j.Account, j.JobName, j.Partition, numNodes,
            j.NumTasks,
            j.TasksPerNode, j.GpusPerNode, nodes, start, j.JobScript, ended);

    private static JobTagAdded Tagged(Guid id, OriginalTag t) =>
        new(id, t.JobmonName, t.CreatedBy.Length > 0 ? t.CreatedBy : "import", t.Type == "admin" ? TagVisibility.Public
            : TagVisibility.Private);

    private static OriginalImportState SeenNow(Guid id, OriginalJob j, List<OriginalTag> jobTags) => new()
    {
        Id = id, Running = j.IsRunning, Tags = jobTags.Select(t => t.JobmonName).Distinct().Order().ToArray(),
            JobName = j.JobName, Account = j.Account,
        Group = j.Group, JobScript = j.JobScript, NumTasks = j.NumTasks, GpusPerNode = j.GpusPerNode,
    };

    private static OriginalImportState SeenFromView(JobView v) => new()
    {
        Id = v.Id, Running = v.State == JobState.Running, Tags = v.Tags.Where(t => t.CreatedBy != JobView.Classifier)
            .Select(t => t.Name).Order().ToArray(),
        JobName = v.JobName, Account = v.Account, Group = v.Group, JobScript = v.JobScript, NumTasks = v.NumTasks,
            GpusPerNode = v.GpusPerNode,
    };

    private static bool Same(OriginalImportState a, OriginalImportState b) =>
        a.Running == b.Running && a.Tags.SequenceEqual(b.Tags) && a.JobName == b.JobName && a.Account == b.Account
            && a.Group == b.Group &&
        a.JobScript == b.JobScript && a.NumTasks == b.NumTasks && a.GpusPerNode == b.GpusPerNode;

    /// <summary>The original's changes since <paramref name="last"/>, as events on the imported job; what Jobmon
    /// changed meanwhile wins (an end it recorded, a tag someone removed or added, a corrected field).</summary>
    private static object[] Updates(OriginalJob j, JobView view, OriginalImportState last, List<OriginalTag> jobTags,
        Dictionary<string, long> maxTimes,
        string label, List<string> changes, List<string> problems, ref int statCount)
    {
        var events = new List<object>();
        // Ended in the original. Jobmon's own end (the script's stop) stands; only its own sweeper's guess gives way.
        var sweptByJobmon = view.State == JobState.Timeout && view.ExitCode is null
            && view.ExitDescription == "ended by the overtime sweeper";
        if (!j.IsRunning && (view.State == JobState.Running || (sweptByJobmon && !SweptByTheOriginal(j, maxTimes))))
        {
            var end = EndOf(j, view.Id, view.NumNodes, maxTimes, problems, ref statCount);
            events.AddRange(end);
            changes.Add($"{label}: ended " + (end[0] is JobTimedOut ? "(timeout: the original's sweeper)"
                : $"({ExitStatus.StateOf(j.ExitCode).ToString().ToLowerInvariant()}, " +
                  $"{ExitStatus.Describe(j.ExitCode)})")
                + (sweptByJobmon ? ", replacing Jobmon's sweeper timeout" : ""));
        }
        var now = jobTags.GroupBy(t => t.JobmonName).ToDictionary(g => g.Key, g => g.First());
        var inView = view.Tags.Select(t => t.Name).ToHashSet();
        foreach (var (name, tag) in now.Where(t => !last.Tags.Contains(t.Key) && !inView.Contains(t.Key)))
        {
            events.Add(Tagged(view.Id, tag));
            changes.Add($"{label}: tag '{name}' added");
        }
        foreach (var name in last.Tags.Where(t => !now.ContainsKey(t) && inView.Contains(t)))
        {
            events.Add(new JobTagRemoved(view.Id, name, "import"));
            changes.Add($"{label}: tag '{name}' removed");
        }
        // A field changed in the original and still shows the value last imported (nobody corrected it in Jobmon).
        string? Changed(string original, string previous, string current, string field)
        {
            if (original == previous || current != previous) return null;
            changes.Add($"{label}: {field} '{previous}' → '{original}'");
            return original;
        }
        var jobName = Changed(j.JobName, last.JobName, view.JobName, "job name");
        var account = Changed(j.Account, last.Account, view.Account, "account");
        var group = Changed(j.Group, last.Group, view.Group, "group");
        var script = Changed(j.JobScript ?? "", last.JobScript ?? "", view.JobScript ?? "", "job script");
        int? tasks = j.NumTasks != last.NumTasks && view.NumTasks == last.NumTasks ? j.NumTasks : null;
        if (tasks is not null) changes.Add($"{label}: tasks {last.NumTasks} → {j.NumTasks}");
        int? gpus = j.GpusPerNode != last.GpusPerNode && view.GpusPerNode == last.GpusPerNode ? j.GpusPerNode : null;
        if (gpus is not null) changes.Add($"{label}: GPUs per node {last.GpusPerNode} → {j.GpusPerNode}");
        if (jobName is not null || account is not null || group is not null || script is not null || tasks is not null
            || gpus is not null)
            events.Add(new JobMetadataCorrected(view.Id, "changed in the original JobMon (import)", jobName, account,
                group, script, tasks, gpus));
        return events.ToArray();
    }

    /// <summary>The original's user_sessions rows of job-control users are its live API keys: kept as API keys
    /// with source "original" (listed and revocable before their first use at Jobmon).</summary>
    private async Task<int> ImportSessionTokensAsync(NpgsqlConnection source, bool dryRun, List<string> problems,
        CancellationToken ct)
    {
        if (settings.OriginalConfig?.JWTSecret is not { Length: > 0 } secret) return 0;
        var tokens = new List<string>();
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT token FROM user_sessions WHERE token IS NOT NULL", source);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) tokens.Add(r.GetString(0));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return 0; }
        var count = 0;
        foreach (var token in tokens)
        {
            if (OriginalTokens.Validate(token, secret, DateTimeOffset.UtcNow) is not { } claims
                || !claims.Roles.Contains(Infrastructure.Roles.JobControl)) continue;
            if (dryRun || await accounts.RegisterOriginalTokenAsync(token, claims, "import", ct)) count++;
        }
        if (!dryRun)
        {
            // From now on only these tokens (and those a later run finds) are accepted: older ones the original had
            // already replaced do not come back to life.
            await using var session = store.LightweightSession();
            session.Store(new OriginalSessionsImported { Id = OriginalSessionsImported.DocumentId, At =
                DateTimeOffset.UtcNow, Tokens = count });
            await session.SaveChangesAsync(ct);
        }
        return count;
    }

    /// <summary>The original's per-metric data (Config, Mean, Max) becomes job-end statistics.</summary>
    private static Dictionary<string, MetricStatistics>? StatisticsOf(string? data, List<string> problems, long jobId)
    {
        if (string.IsNullOrWhiteSpace(data) || data == "null") return null;
        try
        {
            var result = new Dictionary<string, MetricStatistics>();
            foreach (var item in JsonDocument.Parse(data).RootElement.EnumerateArray())
            {
                var config = item.GetProperty("Config");
                var name = config.TryGetProperty("Measurement", out var m) ? m.GetString() ?? "" : "";
                if (name.Length == 0) continue;
                double? Number(string key) => item.TryGetProperty(key, out var v)
                    && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
                var unit = config.TryGetProperty("Unit", out var u) ? u.GetString() ?? "" : "";
                result[name] = new MetricStatistics(unit, Number("Mean"), null, Number("Max"), Number("Max"),
                    new Dictionary<string, NodeStatistics>());
            }
            return result;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            problems.Add($"job {jobId}: data is not the original's metric array; statistics skipped");
            return null;
        }
    }
}
