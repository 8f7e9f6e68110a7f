using FluentValidation;
using FluentValidation.Results;
using Jobmon.Infrastructure;
using Marten;
using Marten.Exceptions;
using Npgsql;
using JasperFx;

namespace Jobmon.Jobs.Ingestion;

/// <summary>Runs ingestion decisions against the event store: read the jobs under the SLURM identity, decide, append,
/// commit. Answers only after the commit, so a 2xx means the event is durable. Retries the decision when a
/// concurrent writer got there first (optimistic concurrency on the stream, unique running key across streams).</summary>
public sealed class JobIngestion(IDocumentStore store, ILogger<JobIngestion> logger)
{
    private const int Attempts = 3;

    public Task<Decision> StartAsync(StartJob cmd, EventContext context, CancellationToken ct) =>
        RunAsync(context, ct, async session =>
        {
            // Plain parameterized SQL on the indexed columns: the hottest query of the ingestion path, no LINQ parsing.
            var known = await session.QueryAsync<JobView>(
                "where d.slurm_id = ? and (d.cluster = ? or d.cluster = '') order by d.window_start desc limit 200",
                ct, cmd.SlurmId, cmd.Cluster);
            return IngestionDecisions.Decide(cmd, known, Guid.CreateVersion7);
        });

    public Task<Decision> StopAsync(StopJob cmd, EventContext context, CancellationToken ct) =>
        RunAsync(context, ct, async session =>
        {
            var known = cmd.Cluster is { } cluster
                ? await session.QueryAsync<JobView>(
                    "where d.slurm_id = ? and (d.cluster = ? or d.cluster = '') order by d.window_start desc limit 200", ct, cmd.SlurmId, cluster)
                : await session.QueryAsync<JobView>("where d.slurm_id = ? order by d.window_start desc limit 200", ct, cmd.SlurmId);
            return IngestionDecisions.Decide(cmd, known, Guid.CreateVersion7);
        });

    /// <summary>Decides and appends in one session; the decision function may be re-run after a conflict.</summary>
    public async Task<Decision> RunAsync(EventContext context, CancellationToken ct, Func<IDocumentSession, Task<Decision>> decide)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            context.ApplyTo(session);
            var decision = await decide(session);
            if (decision is not Decision.Append append) return decision;
            try
            {
                if (append.IsNew)
                    session.Events.StartStream<JobView>(append.JobId, append.Events);
                else
                {
                    var stream = await session.Events.FetchForWriting<JobView>(append.JobId, ct);
                    stream.AppendMany(append.Events);
                }
                await session.SaveChangesAsync(ct);
                return decision;
            }
            catch (Exception e) when (attempt < Attempts && IsConflict(e))
            {
                logger.LogInformation("Concurrent write on job {JobId}; deciding again (attempt {Attempt})", append.JobId, attempt + 1);
            }
        }
    }

    private static bool IsConflict(Exception e) =>
        e is ConcurrencyException or ExistingStreamIdCollisionException ||
        DatabaseErrors.IsUniqueViolation(e) ||
        (e.InnerException is not null && IsConflict(e.InnerException));
}

/// <summary>Who caused the events, their correlation id and their source, stored as Marten event metadata.</summary>
public sealed record EventContext(string CausedBy, string CorrelationId, string Source)
{
    public static EventContext From(HttpContext http, string source) =>
        new(Caller.From(http.User).Name, http.CorrelationId(), source);

    public void ApplyTo(IDocumentSession session)
    {
        session.CorrelationId = CorrelationId;
        session.LastModifiedBy = CausedBy;
        session.SetHeader("source", Source);
        session.SetHeader("causedBy", CausedBy); // Marten's user_name column is not filled in Quick append mode
    }
}

public static class ValidationMapping
{
    /// <summary>FluentValidation property paths → the field names the client used (e.g. Nodes[2] → nodeList[2]).</summary>
    public static void AddTo(this ValidationResult result, JsonBody body, IReadOnlyDictionary<string, string> wireNames)
    {
        foreach (var failure in result.Errors)
        {
            var path = failure.PropertyName;
            var bracket = path.IndexOf('[');
            var root = bracket < 0 ? path : path[..bracket];
            var name = wireNames.TryGetValue(root, out var wire) ? wire + (bracket < 0 ? "" : path[bracket..]) : path;
            if (!body.Errors.ContainsKey(name.Split('[')[0]) || bracket >= 0)
                body.AddError(name, failure.ErrorMessage);
        }
    }
}
