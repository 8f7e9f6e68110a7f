using Jobmon.Accounts;
using Jobmon.Compat;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Metrics;
using Marten;

namespace Jobmon.DropIn;

public static class OriginalConfigEndpoints
{
    public static IEndpointRouteBuilder MapOriginalConfigImport(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/admin/catalogue/import-original",
            async (HttpContext http, bool? dryRun, IDocumentStore store, CatalogueStore catalogue,
            CancellationToken ct) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var json = await reader.ReadToEndAsync(ct);
            if (json.Length > 4 * 1024 * 1024) return Problems.Validation("body", "config.json must be at most 4 MB.");
            OriginalConfig config;
            try { config = OriginalConfig.Parse(json, "config.json"); }
            catch (OriginalConfigException e)
            {
                return Problems.Validation(e.Errors.GroupBy(x => x.Path.Length > 0 ? x.Path : "body")
                    .ToDictionary(g => g.Key, g => g.Select(x => x.Message).ToArray()));
            }
            var report = await OriginalConfigImport.ImportAsync(config, store, catalogue,
                EventContext.From(http, "admin"), dryRun ?? false, ct);
            return Results.Ok(report);
        }).RequireAuthorization(Policies.Admin).WithTags("Administration")
          .WithSummary("Import the original JobMon's config.json (Metrics, Partitions, MetricCategories, " +
              "RadarChartMetrics, LocalUsers); ?dryRun=true reports only.");
        return app;
    }
}
