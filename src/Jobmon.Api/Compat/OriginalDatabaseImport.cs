using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Jobmon.Accounts;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Metrics;
using Marten;
using Npgsql;

namespace Jobmon.Compat;

public sealed record DatabaseImportReport(bool DryRun, int Jobs, int AlreadyImported, int RunningJobs, int Tags, int Statistics, int Accounts, List<string> Problems);

/// <summary>
/// Imports an existing installation's PostgreSQL (job_metadata, job_tags, job_to_tags, user_roles) into the event
/// store. Each job becomes a stream with a deterministic id (UUID v5 of cluster/id/start), so running the import twice
/// imports nothing twice; its events carry the source "original-import".
/// </summary>
public sealed class OriginalDatabaseImport(IDocumentStore store, ILogger<OriginalDatabaseImport> logger)
{
    private static readonly Guid Namespace = new("5b7c2d1e-8f3a-4c6b-9d0e-1a2b3c4d5e6f");

    public static Guid StreamIdFor(string cluster, long id, long startTime)
    {
        // RFC 4122 version 5 (SHA-1, name-based).
        var ns = Namespace.ToByteArray(bigEndian: true);
        var hash = SHA1.HashData([.. ns, .. Encoding.UTF8.GetBytes($"original:{cluster}/{id}/{startTime}")]);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private sealed record OriginalJob(long Id, long? UserId, string User, long? GroupId, string Group, string Cluster, int NumNodes, int NumTasks,
        int TasksPerNode, int GpusPerNode, string NodeList, long StartTime, long StopTime, bool IsRunning, string JobName, string Account,
        string Partition, string? JobScript, int ExitCode, string? Data);

    public async Task<DatabaseImportReport> ImportAsync(string originalConnectionString, bool dryRun, CancellationToken ct)
    {
        var problems = new List<string>();
        await using var source = new NpgsqlConnection(originalConnectionString);
        await source.OpenAsync(ct);

        var tags = new Dictionary<long, List<(string Name, string Type, string CreatedBy)>>();
        await using (var cmd = new NpgsqlCommand("SELECT jt.job_id, t.name, coalesce(t.type, ''), coalesce(t.created_by, '') FROM job_to_tags jt JOIN job_tags t ON t.id = jt.tag_id", source))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                if (!tags.TryGetValue(r.GetInt64(0), out var list)) tags[r.GetInt64(0)] = list = [];
                list.Add((r.GetString(1), r.GetString(2), r.GetString(3)));
            }

        var jobs = new List<OriginalJob>();
        const string sql = """
            SELECT id, user_id, coalesce(user_name,''), group_id, coalesce(group_name,''), coalesce(cluster_id,''), coalesce(num_nodes,0), coalesce(num_tasks,0),
                   coalesce(tasks_per_node,0), coalesce(gp_us_per_node,0), coalesce(node_list,''), coalesce(start_time,0), coalesce(stop_time,0),
                   coalesce(is_running,false), coalesce(job_name,''), coalesce(account,''), coalesce(partition,''), job_script, coalesce(exit_code,0), data::text
            FROM job_metadata ORDER BY id
            """;
        await using (var cmd = new NpgsqlCommand(sql, source))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                jobs.Add(new OriginalJob(r.GetInt64(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.GetString(4),
                    r.GetString(5), (int)r.GetInt64(6), (int)r.GetInt64(7), (int)r.GetInt64(8), (int)r.GetInt64(9), r.GetString(10), r.GetInt64(11), r.GetInt64(12),
                    r.GetBoolean(13), r.GetString(14), r.GetString(15), r.GetString(16), r.IsDBNull(17) ? null : r.GetString(17), (int)r.GetInt64(18),
                    r.IsDBNull(19) ? null : r.GetString(19)));

        var roles = new Dictionary<string, string[]>();
        await using (var cmd = new NpgsqlCommand("SELECT username, roles::text FROM user_roles", source))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                try { roles[r.GetString(0)] = JsonSerializer.Deserialize<string[]>(r.IsDBNull(1) ? "[]" : r.GetString(1)) ?? []; }
                catch (JsonException) { problems.Add($"user_roles: roles of {r.GetString(0)} are not a JSON array; skipped"); }
            }

        // What exists already (a second run imports nothing twice).
        var ids = jobs.ToDictionary(j => j, j => StreamIdFor(j.Cluster, j.Id, j.StartTime));
        var existing = new HashSet<Guid>();
        await using (var query = store.QuerySession())
            foreach (var chunk in ids.Values.Chunk(5000))
                foreach (var id in await query.Query<JobView>().Where(j => chunk.Contains(j.Id)).Select(j => j.Id).ToListAsync(ct))
                    existing.Add(id);
        List<string> existingUsers;
        await using (var query = store.QuerySession())
            existingUsers = (await query.Query<UserAccount>().Select(a => a.Username).ToListAsync(ct)).ToList();

        int imported = 0, running = 0, tagCount = 0, statCount = 0;
        var toImport = jobs.Where(j => !existing.Contains(ids[j])).ToList();
        foreach (var batch in toImport.Chunk(500))
        {
            await using var session = store.LightweightSession();
            if (!dryRun) await Jobmon.Jobs.Rebuild.JobWriteLock.EnterSharedAsync(session, ct);
            session.CorrelationId = Guid.NewGuid().ToString("N");
            session.SetHeader("source", "original-import");
            session.SetHeader("causedBy", "import");
            foreach (var j in batch)
            {
                var id = ids[j];
                var nodes = NodeNames.Split(j.NodeList);
                var start = DateTimeOffset.FromUnixTimeSeconds(j.StartTime);
                var events = new List<object>
                {
                    new JobStarted(id, j.Cluster.Length > 0 ? j.Cluster : "default", j.Id, j.User, j.UserId, j.Group, j.GroupId, j.Account, j.JobName,
                        j.Partition, Math.Max(j.NumNodes, nodes.Length), j.NumTasks, j.TasksPerNode, j.GpusPerNode, nodes, start, j.JobScript),
                };
                if (j.IsRunning) running++;
                else
                {
                    var stop = DateTimeOffset.FromUnixTimeSeconds(Math.Max(j.StopTime, j.StartTime));
                    events.Add(new JobEnded(id, j.Cluster.Length > 0 ? j.Cluster : "default", j.Id, j.User, j.Partition, Math.Max(j.NumNodes, nodes.Length),
                        j.GpusPerNode * Math.Max(j.NumNodes, nodes.Length), start, stop, j.ExitCode, ExitStatus.StateOf(j.ExitCode), j.Group));
                    if (StatisticsOf(j.Data, problems, j.Id) is { Count: > 0 } stats)
                    {
                        events.Add(new JobMetricStatisticsRecorded(id, stop, 0, stats, "original-import"));
                        statCount++;
                    }
                }
                foreach (var t in tags.GetValueOrDefault(j.Id) ?? [])
                {
                    events.Add(new JobTagAdded(id, t.Name.Length > 64 ? t.Name[..64] : t.Name, t.CreatedBy.Length > 0 ? t.CreatedBy : "import",
                        t.Type == "admin" ? TagVisibility.Public : TagVisibility.Private));
                    tagCount++;
                }
                if (!dryRun) session.Events.StartStream<JobView>(id, events.ToArray());
                imported++;
            }
            if (!dryRun)
            {
                try { await session.SaveChangesAsync(ct); }
                catch (Exception e) when (Jobmon.Infrastructure.DatabaseErrors.IsUniqueViolation(e))
                {
                    problems.Add($"a batch of {batch.Length} jobs conflicts with running jobs already in Jobmon (same cluster and id); import them after those end");
                    imported -= batch.Length;
                }
            }
        }

        var accounts = 0;
        foreach (var (username, userRoles) in roles.Where(r => !existingUsers.Contains(r.Key)))
        {
            accounts++;
            if (dryRun) continue;
            var id = Guid.CreateVersion7();
            await using var session = store.LightweightSession();
            session.SetHeader("source", "original-import");
            session.SetHeader("causedBy", "import");
            session.Events.StartStream<UserAccount>(id, new UserCreated(id, username, userRoles.Where(r => Infrastructure.Roles.Assignable.Contains(r)).ToArray(), "oidc", null, "import"));
            await session.SaveChangesAsync(ct);
        }
        logger.LogInformation("Original database import{DryRun}: {Jobs} jobs, {Existing} already imported", dryRun ? " (dry run)" : "", imported, existing.Count);
        return new DatabaseImportReport(dryRun, imported, existing.Count, running, tagCount, statCount, accounts, problems);
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
                double? Number(string key) => item.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
                var unit = config.TryGetProperty("Unit", out var u) ? u.GetString() ?? "" : "";
                result[name] = new MetricStatistics(unit, Number("Mean"), null, Number("Max"), Number("Max"), new Dictionary<string, NodeStatistics>());
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

/// <summary>`Jobmon.Api import-original --from "&lt;connection string&gt;" [--dry-run]`: the command-line entry of the import.</summary>
public static class ImportOriginalCommand
{
    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var from = args.SkipWhile(a => a != "--from").Skip(1).FirstOrDefault();
        var dryRun = args.Contains("--dry-run");
        if (string.IsNullOrWhiteSpace(from))
        {
            Console.Error.WriteLine("usage: import-original --from \"Host=…;Username=…;Password=…;Database=…\" [--dry-run]");
            return 2;
        }
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var report = await app.Services.GetRequiredService<OriginalDatabaseImport>().ImportAsync(from, dryRun, CancellationToken.None);
        Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        return 0;
    }
}
