using System.Text.Json;
using System.Text.Json.Serialization;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Querying;
using Marten;

namespace Jobmon.Metrics;

public static class CatalogueEndpoints
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        // An explicit null where the records say non-null (a filter's "value": null) is a 400 naming the field, not a
        // NullReferenceException later; missing members of nested records are checked by the endpoints.
        RespectNullableAnnotations = true,
    };

    public sealed record MetricBody(string? DisplayName, string? Measurement, string? Unit, MetricScope? Scope,
        TagFilter[]? Filters,
        bool? IsCounter, Aggregation? DefaultAggregation, Aggregation[]? Aggregations, double? PeakPerNode,
            double? PeakPerDevice, string[]? Categories,
        Aggregation? NodeRows = null, double? Scale = null, string? SourceUnit = null, string? ScopeTag = null);
    public sealed record PartitionBody(long? MaxTime, string[]? Metrics, VirtualPartition[]? VirtualPartitions,
        Dictionary<string, MetricPeak>? Peaks = null);
    public sealed record SettingsBody(int? CollectorIntervalSeconds, double[]? Quantiles, string[]? RadarMetrics);

    public static IEndpointRouteBuilder MapCatalogue(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/metrics/catalogue", async (CatalogueStore catalogue, CancellationToken ct) =>
        {
            var c = await catalogue.LoadAsync(ct);
            return Results.Ok(new
            {
                metrics = c.Metrics.Values.OrderBy(m => m.Name), partitions =
                    c.Partitions.Values.OrderBy(p => p.Cluster).ThenBy(p => p.Name),
                c.CollectorIntervalSeconds, c.Quantiles, c.RadarMetrics, c.Version,
            });
        }).RequireAuthorization(Policies.Reader).WithTags("Metrics").WithSummary("Metric catalogue and partitions.");

        var admin = app.MapGroup("/api/admin/catalogue").RequireAuthorization(Policies.Admin)
            .WithTags("Administration");
        admin.MapPut("/metrics/{name}", PutMetric)
            .WithSummary("Create or change a metric (validated; audited; effective at once).");
        admin.MapDelete("/metrics/{name}", async (string name, HttpContext http, CatalogueStore catalogue,
            CancellationToken ct) =>
        {
            var c = await catalogue.LoadAsync(ct);
            if (!c.Metrics.ContainsKey(name)) return Problems.NotFound($"metric {name} does not exist.");
            await catalogue.AppendAsync(EventContext.From(http, "admin"), ct,
                new MetricRemoved(name, Caller.From(http.User).Name));
            return Results.NoContent();
        });
        admin.MapPut("/partitions/{name}", PutPartition)
            .WithSummary("Create or change a partition (?cluster= for one cluster; MaxTime in seconds; virtual " +
            "partitions by SLURM hostlist).");
        admin.MapDelete("/partitions/{name}", async (string name, string? cluster, HttpContext http,
            CatalogueStore catalogue, CancellationToken ct) =>
        {
            var c = await catalogue.LoadAsync(ct);
            if (c.PartitionOf(cluster ?? "", name) is not { } p || p.Cluster != (cluster ?? ""))
                return Problems.NotFound($"partition {name} does not exist.");
            await catalogue.AppendAsync(EventContext.From(http, "admin"), ct,
                new PartitionRemoved(name, cluster ?? "", Caller.From(http.User).Name));
            return Results.NoContent();
        });
        admin.MapPut("/settings", PutSettings).WithSummary("Collector interval, quantiles, radar metrics.");
        admin.MapPost("/reset-defaults", async (HttpContext http, CatalogueStore catalogue, CancellationToken ct) =>
        {
            // Existing installs keep their catalogue; this brings the collector's metrics back (or in) by name and
            // leaves every other metric and all partitions alone.
            var current = await catalogue.LoadAsync(ct);
            var by = Caller.From(http.User).Name;
            var changed = DefaultCatalogueSeeder.Metrics.Where(
                m => !m.SameAs(current.Metrics.GetValueOrDefault(m.Name))).ToList();
            if (changed.Count > 0)
                await catalogue.AppendAsync(EventContext.From(http, "admin"), ct,
                    changed.Select(m => (object)new MetricDefined(m, by)).ToArray());
            return Results.Ok(new { defined = changed.Select(m => m.Name) });
        }).WithSummary("Define the default catalogue's metrics (cc-metric-collector's names, units and scopes) " +
            "again; other metrics and partitions stay.");
        admin.MapGet("/history", async (IQuerySession session, CancellationToken ct) =>
                Results.Ok((await session.Events.FetchStreamAsync(MetricCatalogue.StreamId, token: ct))
                    .Select(JobHistoryEntry.From)))
            .WithSummary("Every catalogue change: who, when, what.");
        return app;
    }

    private static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpRequest request,
        CancellationToken ct) where T : class
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 16 },
                ct);
            if (InputGuard.Check(document.RootElement) is { } bad)
                return (null, Problems.Validation(bad.Field, bad.Message));
            var body = document.RootElement.Deserialize<T>(Json);
            return body is null ? (null, Problems.Validation("body", "a JSON object is required.")) : (body, null);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            return (null, Problems.Validation(field, e.Message.Split(" Path:")[0]));
        }
    }

    private static async Task<IResult> PutMetric(string name, HttpContext http, CatalogueStore catalogue,
        CancellationToken ct)
    {
        var (body, problem) = await ReadAsync<MetricBody>(http.Request, ct);
        if (body is null) return problem!;
        var aggregations = body.Aggregations is { Length: > 0 } a ? a.Distinct().ToArray()
            : Enum.GetValues<Aggregation>();
        var metric = new MetricDefinition(name, body.DisplayName ?? name, body.Measurement ?? name, body.Unit ?? "",
            body.Scope ?? MetricScope.Node, body.Filters ?? [], body.IsCounter ?? false, body.DefaultAggregation
                ?? (aggregations.Contains(Aggregation.Sum) ? Aggregation.Sum : aggregations[0]),
            aggregations, body.PeakPerNode, body.PeakPerDevice, body.Categories ?? [], body.NodeRows, body.Scale ?? 1,
                body.SourceUnit,
            body.ScopeTag is { Length: > 0 } tag ? tag : null);
        if (body.Filters?.Any(f => f is null || f.Key is null || f.Value is null) == true)
            return Problems.Validation("filters", "each filter needs key, op and value.");
        var errors = CatalogueValidation.Validate(metric);
        if (errors.Count > 0) return Problems.Validation(errors);
        var current = await catalogue.LoadAsync(ct);
        if (current.Metrics.TryGetValue(name, out var existing) && existing.SameAs(metric)) return Results.Ok(metric);
        await catalogue.AppendAsync(EventContext.From(http, "admin"), ct,
            new MetricDefined(metric, Caller.From(http.User).Name));
        return Results.Ok(metric);
    }

    private static async Task<IResult> PutPartition(string name, string? cluster, HttpContext http,
        CatalogueStore catalogue, CancellationToken ct)
    {
        var (body, problem) = await ReadAsync<PartitionBody>(http.Request, ct);
        if (body is null) return problem!;
        // Members missing from a virtual partition arrive as null (System.Text.Json does not enforce them).
        var missing = (body.VirtualPartitions ?? []).SelectMany((v, i) => new (string Field, object? Value)[]
                { ($"virtualPartitions[{i}].name", v.Name), ($"virtualPartitions[{i}].nodes", v.Nodes),
                    ($"virtualPartitions[{i}].metrics", v.Metrics) })
            .Where(f => f.Value is null).ToDictionary(f => f.Field, _ => new[] { "is required." });
        if (missing.Count > 0) return Problems.Validation(missing);
        var partition = new PartitionDefinition(name, cluster ?? "", body.MaxTime, body.Metrics ?? [],
            body.VirtualPartitions ?? [],
            body.Peaks is { Count: > 0 } peaks ? peaks : null);
        var current = await catalogue.LoadAsync(ct);
        var errors = CatalogueValidation.Validate(partition, current);
        if (errors.Count > 0) return Problems.Validation(errors);
        await catalogue.AppendAsync(EventContext.From(http, "admin"), ct,
            new PartitionDefined(partition, Caller.From(http.User).Name));
        return Results.Ok(partition);
    }

    private static async Task<IResult> PutSettings(HttpContext http, CatalogueStore catalogue, CancellationToken ct)
    {
        var (body, problem) = await ReadAsync<SettingsBody>(http.Request, ct);
        if (body is null) return problem!;
        var current = await catalogue.LoadAsync(ct);
        var interval = body.CollectorIntervalSeconds ?? current.CollectorIntervalSeconds;
        var quantiles = body.Quantiles ?? current.Quantiles;
        var radar = body.RadarMetrics ?? current.RadarMetrics;
        var errors = new Dictionary<string, string[]>();
        if (interval is < 1 or > 3600) errors["collectorIntervalSeconds"] = ["must be between 1 and 3600."];
        if (quantiles.Length is 0 or > 9 || quantiles.Any(q => q is <= 0 or >= 1))
            errors["quantiles"] = ["1-9 values strictly between 0 and 1."];
        if (radar.Any(m => !current.Metrics.ContainsKey(m))) errors["radarMetrics"] = ["must name existing metrics."];
        if (errors.Count > 0) return Problems.Validation(errors);
        await catalogue.AppendAsync(EventContext.From(http, "admin"), ct,
            new CatalogueSettingsChanged(interval, quantiles.Order().ToArray(), radar, Caller.From(http.User).Name));
        return Results.NoContent();
    }
}
