using Jobmon.Accounts;
using Jobmon.Compat;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Metrics;
using Marten;

namespace Jobmon.DropIn;


/// <summary>Turns the original JobMon's config.json into Jobmon's catalogue, partitions and accounts.</summary>
public static class OriginalConfigImport
{
    public static MetricScope ScopeOf(string type) => type switch
    {
        "node" => MetricScope.Node, "socket" => MetricScope.Socket, "core" => MetricScope.Core,
        "cpu" or "hwthread" => MetricScope.Hwthread, "accelerator" => MetricScope.Accelerator, "memoryDomain"
            => MetricScope.MemoryDomain,
        _ => MetricScope.Node,
    };

    /// <summary>
    /// The original filtered every device query on <c>type == Type</c> literally: the scope keeps that filter, and a
    /// <c>type</c> value that is not the scope's usual name (older collectors' <c>cpu</c>, a site's own) is kept as the
    /// scope's tag. An empty Type had no filter; it becomes the node scope (node rows and rows without a type tag).
    /// </summary>
    public static string? ScopeTagOf(string type) =>
        type.Length == 0 || MetricQueries.TypeTag(ScopeOf(type)) == type ? null : type;

    private static Aggregation? AggregationOf(string fn) => fn switch
    {
        "sum" => Aggregation.Sum, "mean" => Aggregation.Mean, "min" => Aggregation.Min, "max" => Aggregation.Max, _
            => null,
    };

    /// <summary>Metric name per original GUID: the measurement, made unique when several metrics share one.</summary>
    public static Dictionary<string, string> NamesByGuid(OriginalConfig config)
    {
        var names = new Dictionary<string, string>();
        var used = new HashSet<string>();
        foreach (var m in config.Metrics)
        {
            var name = new string(m.Measurement.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c
                : '_').ToArray());
            var candidate = name;
            for (var n = 2; !used.Add(candidate); n++) candidate = $"{name}_{n}";
            names[m.GUID] = candidate;
        }
        return names;
    }

    public static (List<object> Events, ImportReport Report) Plan(OriginalConfig config, MetricCatalogue current,
        IReadOnlyCollection<string> existingUsers, string by, bool dryRun)
    {
        var report = new ImportReport(dryRun, [], [], [], []);
        var events = new List<object>();
        var names = NamesByGuid(config);
        foreach (var m in config.Metrics)
        {
            var name = names[m.GUID];
            var filters = new List<Jobmon.Metrics.TagFilter>();
            var translation = m.TranslateFilterFunc();
            if (!translation.IsTranslatable)
                report.Problems.Add($"metric {name}: FilterFunc {translation.Problem}; imported without it");
            else foreach (var f in translation.Filters)
            {
                if (f.Op == Jobmon.Compat.TagFilter.RegexNotMatch)
                {
                    report.Problems.Add($"metric {name}: filter {f.Key} !~ {f.Value} is not supported; skipped");
                    continue;
                }
                filters.Add(new Jobmon.Metrics.TagFilter(f.Key,
                    f.Op switch { "!=" => TagOp.NotEquals, "=~" => TagOp.Matches, _ => TagOp.Equals }, f.Value));
            }
            var post = m.TranslatePostQueryOp();
            if (!post.IsTranslatable) report.Problems.Add($"metric {name}: PostQueryOp {post.Problem}");
            var aggregations = m.AvailableAggFns.Select(AggregationOf).Where(a => a is not null).Select(a => a!.Value)
                .Distinct().ToArray();
            if (aggregations.Length == 0) aggregations = Enum.GetValues<Aggregation>();
            var defaultAgg = AggregationOf(m.AggFn) ?? (aggregations.Contains(Aggregation.Mean) ? Aggregation.Mean
                : aggregations[0]);
            if (!aggregations.Contains(defaultAgg)) aggregations = [.. aggregations, defaultAgg];
            // The original scaled by the unit's prefix in the UI (MFLOP/s values × 10⁶): Jobmon serves base units.
            var (unit, scale) = MetricUnits.ToBase(m.Unit);
            var definition = new MetricDefinition(name, m.DisplayName.Length > 0 ? m.DisplayName : name, m.Measurement,
                unit, ScopeOf(m.Type),
                filters.ToArray(), m.IsCounter, defaultAgg, aggregations, m.MaxPerNode > 0 ? m.MaxPerNode * scale
                    : null, m.MaxPerType > 0 ? m.MaxPerType * scale : null,
                m.Categories.ToArray(), Scale: scale, SourceUnit: scale == 1 ? null : m.Unit,
                    ScopeTag: ScopeTagOf(m.Type));
            var errors = CatalogueValidation.Validate(definition);
            if (errors.Count > 0) { report.Problems.Add($"metric {name}: "
                + string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(" ", e.Value)}"))); continue; }
            if (current.Metrics.TryGetValue(name, out var existing) && existing.SameAs(definition)) continue;
            events.Add(new MetricDefined(definition, by));
            report.Metrics.Add(name);
        }
        string[] Refs(IEnumerable<string> guids) => guids.Where(names.ContainsKey).Select(g => names[g]).ToArray();
        foreach (var (pname, p) in config.Partitions)
        {
            var virtuals = p.VirtualPartitions.Select(
                v => new VirtualPartition(v.Key, Hostlist.Compress(v.Value.Nodes), v.Value.MaxTime > 0
                ? v.Value.MaxTime : null, Refs(v.Value.Metrics))).ToArray();
            var partition = new PartitionDefinition(pname, "", p.MaxTime > 0 ? p.MaxTime : null, Refs(p.Metrics),
                virtuals);
            if (current.Partitions.TryGetValue(MetricCatalogue.PartitionKey("", pname), out var existing)
                && System.Text.Json.JsonSerializer.Serialize(existing) == System.Text.Json.JsonSerializer.Serialize(
                    partition)) continue;
            events.Add(new PartitionDefined(partition, by));
            report.Partitions.Add(pname);
        }
        var interval = (int)Math.Clamp(config.SampleInterval.TotalSeconds, 1, 3600);
        var quantiles = config.MetricQuantileValues.Count > 0 ? config.MetricQuantileValues.ToArray()
            : current.Quantiles;
        var radar = Refs(config.RadarChartMetrics);
        if (interval != current.CollectorIntervalSeconds || !quantiles.SequenceEqual(current.Quantiles)
            || !radar.SequenceEqual(current.RadarMetrics))
            events.Add(new CatalogueSettingsChanged(interval, quantiles.Order().ToArray(), radar, by));
        foreach (var user in config.LocalUsers.Keys.Where(u => !existingUsers.Contains(u))) report.Accounts.Add(user);
        return (events, report);
    }

    public static async Task<ImportReport> ImportAsync(OriginalConfig config, IDocumentStore store,
        CatalogueStore catalogue, EventContext context, bool dryRun, CancellationToken ct)
    {
        var current = await catalogue.LoadAsync(ct);
        List<string> existingUsers;
        await using (var query = store.QuerySession())
            existingUsers = (await query.Query<UserAccount>().Where(a => !a.Deleted).Select(a => a.Username)
                .ToListAsync(ct)).ToList();
        var (events, report) = Plan(config, current, existingUsers, context.CausedBy, dryRun);
        if (dryRun) return report;
        if (events.Count > 0) await catalogue.AppendAsync(context, ct, events.ToArray());
        foreach (var username in report.Accounts)
        {
            var local = config.LocalUsers[username];
            var id = Guid.CreateVersion7();
            await using var session = store.LightweightSession();
            context.ApplyTo(session);
            // The bcrypt hash is kept as it is and upgraded at the user's next login.
            session.Events.StartStream<UserAccount>(id,
                new UserCreated(id, username, [local.Role], "imported", local.BCryptHash, context.CausedBy));
            try { await session.SaveChangesAsync(ct); }
            catch (Exception e) when (Jobmon.Infrastructure.DatabaseErrors.IsUniqueViolation(
                e)) { report.Problems.Add($"account {username} already exists"); }
        }
        return report;
    }
}
