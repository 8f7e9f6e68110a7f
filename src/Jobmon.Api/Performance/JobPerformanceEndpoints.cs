using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Marten;

namespace Jobmon.Performance;

public static class JobPerformanceEndpoints
{
    public const string Bandwidth = "mem_bw";
    public static readonly string[] FlopsMetrics = ["flops_any", "flops_dp"];

    public static IEndpointRouteBuilder MapJobPerformance(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs").RequireAuthorization(Policies.Reader).WithTags("Jobs");
        jobs.MapGet("/{id:guid}/compare", Compare)
            .WithSummary("This job against the user's last n finished runs with the same job name (by=name) or " +
                "account (by=account): runtime, " +
                         "FLOP rate and memory bandwidth per node, energy.")
            .Produces<JobComparison>().ProducesValidationProblem().ProducesProblem(404);
        jobs.MapGet("/{id:guid}/roofline", RooflineOf)
            .WithSummary("Roofline of the job: per node and window, arithmetic intensity (FLOP/byte) and FLOP rate, " +
                "with the partition's peaks " +
                         "as the roof; from the job's metric archive.")
            .Produces<Roofline>().ProducesProblem(404);
        return app;
    }

    public static ComparedRun Row(JobView j)
    {
        double? Mean(string metric) => j.Statistics.TryGetValue(metric, out var s) ? s.Mean : null;
        return new ComparedRun(j.Id, j.Cluster, j.SlurmId, j.JobName, j.Account, j.State, j.StartTime,
            j.DurationSeconds, j.NumNodes,
            Mean("flops_any") ?? Mean("flops_dp"), Mean(Bandwidth), j.Energy?.Kwh,
                j.Energy?.ByMetric.Keys.Order(StringComparer.Ordinal).ToList() ?? []);
    }

    private static async Task<IResult> Compare(Guid id, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        foreach (var key in q.Keys.Where(k => k is not ("by" or "n")))
            errors[key] = ["unknown parameter; allowed: by, n."];
        var by = q["by"].ToString() is { Length: > 0 } b ? b : "name";
        if (by is not ("name" or "account")) errors["by"] = ["name or account."];
        var n = 10;
        if (q["n"].ToString() is { Length: > 0 } raw && (!int.TryParse(raw, out n) || n is < 1 or > 100))
            errors["n"] = ["a whole number from 1 to 100."];
        if (errors.Count > 0) return Problems.Validation(errors);

        var job = await session.LoadAsync<JobView>(id, ct);
        if (job is null || !JobQueries.MayRead(http, job))
            return Problems.NotFound($"job {id} does not exist or is not yours.");
        // The owner's runs only: an admin comparing someone's job sees that person's runs.
        var runs = session.Query<JobView>().Where(j => j.User == job.User && j.Id != job.Id && j.StopTime != null);
        runs = by == "name" ? runs.Where(j => j.JobName == job.JobName) : runs.Where(j => j.Account == job.Account);
        var list = job.User.Length == 0 ? [] : await runs.OrderByDescending(j => j.WindowStart).Take(n).ToListAsync(ct);
        return Results.Ok(new JobComparison(by, by == "name" ? job.JobName : job.Account, Row(job), list.Select(Row)
            .ToList()));
    }

    private static async Task<IResult> RooflineOf(Guid id, HttpContext http, IQuerySession session,
        CatalogueStore catalogue, CancellationToken ct)
    {
        var job = await session.LoadAsync<JobView>(id, ct);
        if (job is null || !JobQueries.MayRead(http, job))
            return Problems.NotFound($"job {id} does not exist or is not yours.");
        var (defs, _, _) = (await catalogue.LoadAsync(ct)).MetricsFor(job.Cluster, job.Partition, job.Nodes);
        var flopsDef = FlopsMetrics.Select(f => defs.FirstOrDefault(d => d.Name == f))
            .FirstOrDefault(d => d is not null);
        var bwDef = defs.FirstOrDefault(d => d.Name == Bandwidth);
        Roofline Missing(string reason) => new(false, reason, flopsDef?.Name, bwDef?.Name, flopsDef?.PeakPerNode,
            bwDef?.PeakPerNode, []);
        if (flopsDef is null || bwDef is null)
            return Results.Ok(
                Missing("the catalogue has no " +
                $"{(flopsDef is null ? "flops_any or flops_dp" : "")}" +
                $"{(flopsDef is null && bwDef is null ? " and no " : "")}" +
                $"{(bwDef is null ? Bandwidth : "")} for partition {job.Partition}."));
        if (flopsDef.PeakPerNode is not > 0 || bwDef.PeakPerNode is not > 0)
            return Results.Ok(
                Missing($"no per-node peak for {flopsDef.Name} and {bwDef.Name} on partition {job.Partition} " +
                "(catalogue peaks)."));
        var archive = await session.LoadAsync<JobMetricArchive>(id, ct);
        if (archive is not { Format: JobMetricArchive.CurrentFormat })
            return Results.Ok(
                Missing("no metric archive yet: it is written at the job's end (and every few minutes while a job " +
                "runs)."));
        var content = ArchiveContent.Decompress(archive.Compressed);
        var flops = content.Metrics.FirstOrDefault(m => m.Name == flopsDef.Name)?.Nodes.Resample(content.Interval);
        var bw = content.Metrics.FirstOrDefault(m => m.Name == bwDef.Name)?.Nodes.Resample(content.Interval);
        var points = new List<RooflinePoint>();
        if (flops is not null && bw is not null)
            foreach (var node in flops.Labels)
            {
                int fr = flops.Row(node), br = bw.Row(node);
                if (br < 0) continue;
                for (var w = 0; w < Math.Min(flops.Count, bw.Count); w++)
                {
                    var (f, m) = (flops[fr, w], bw[br, w]);
                    // Windows without data (NaN) or without memory traffic have no intensity.
                    if (double.IsNaN(f) || double.IsNaN(m) || m <= 0 || f < 0) continue;
                    points.Add(new RooflinePoint(node, DateTimeOffset.FromUnixTimeMilliseconds(flops.TimeMs(w)), f / m,
                        f));
                }
            }
        if (points.Count == 0) return Results.Ok(
            Missing($"no samples of both {flopsDef.Name} and {bwDef.Name} for this job."));
        return Results.Ok(new Roofline(true, null, flopsDef.Name, bwDef.Name, flopsDef.PeakPerNode, bwDef.PeakPerNode,
            points));
    }
}
