using FluentValidation;
using FluentValidation.Results;
using Jobmon.Infrastructure;
using Marten;
using Marten.Exceptions;
using Npgsql;
using JasperFx;
using JasperFx.Events;
using System.Threading.Channels;
using Jobmon.Jobs.Rebuild;

namespace Jobmon.Jobs.Ingestion;

/// <summary>Runs ingestion decisions against the event store: read the jobs under the SLURM identity, decide, append,
/// commit. Answers only after the commit, so a 2xx means the event is durable. Retries the decision when a
/// concurrent writer got there first (optimistic concurrency on the stream, unique running key across streams).
/// <para>SLURM starts and stops are group-committed: a few writer loops take whatever requests are waiting, decide
/// them against one lookup and append them in one transaction (ARCHITECTURE.md, "Ingestion throughput"). An idle
/// writer takes a lone request at once, so a quiet system pays no batching delay.</para></summary>
public sealed class JobIngestion : IAsyncDisposable
{
    private const int Attempts = 3;
    /// <summary>Requests decided and committed together at most; a batch never holds two commands for one SLURM id.</summary>
    private const int MaxBatch = 64;
    private readonly IDocumentStore store;
    private readonly ILogger<JobIngestion> logger;
    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>();
    private readonly Task[] writers;
    private readonly JobEventBatchWriter batchWriter;

    public JobIngestion(IDocumentStore store, JobmonSettings settings, ILogger<JobIngestion> logger)
    {
        this.store = store;
        this.logger = logger;
        batchWriter = new JobEventBatchWriter(store);
        writers = Enumerable.Range(0, Math.Max(1, settings.IngestionWriters)).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
    }

    public Task<Decision> StartAsync(StartJob cmd, EventContext context, CancellationToken ct) => Enqueue(new Pending(cmd, context, ct));

    public Task<Decision> StopAsync(StopJob cmd, EventContext context, CancellationToken ct) => Enqueue(new Pending(cmd, context, ct));

    /// <summary>A command that brings its own decision (ClusterCockpit's start/stop semantics), batched like SLURM's.</summary>
    public Task<Decision> RunAsync(IIngestionCommand cmd, EventContext context, CancellationToken ct) => Enqueue(new Pending(cmd, context, ct));

    private Task<Decision> Enqueue(Pending pending)
    {
        if (!queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(JobIngestion), "Jobmon is shutting down");
        return pending.Done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var carried = new List<Pending>(); // later commands for a SLURM id already in the batch: they go next time
        while (carried.Count > 0 || await queue.Reader.WaitToReadAsync())
        {
            var batch = new List<Pending>(MaxBatch);
            var ids = new HashSet<long>();
            var waiting = carried;
            carried = [];
            foreach (var p in waiting) (ids.Add(p.SlurmId) ? batch : carried).Add(p);
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var p)) (ids.Add(p.SlurmId) ? batch : carried).Add(p);
            batch.RemoveAll(p => p.Ct.IsCancellationRequested && p.Done.TrySetCanceled(p.Ct));
            if (batch.Count == 0) continue;
            try
            {
                await CommitBatchAsync(batch);
            }
            catch (Exception e) when (batch.Count > 1 || IsConflict(e))
            {
                // A concurrent writer got there first, or one request fails: decide each alone, with retries, so
                // one request's failure is only its own.
                logger.LogInformation(e, "Ingestion batch of {Count} not committed; deciding each request alone", batch.Count);
                foreach (var p in batch) await RunAloneAsync(p);
            }
            catch (Exception e)
            {
                batch[0].Done.TrySetException(e);
            }
        }
    }

    /// <summary>One lookup for the whole batch, decisions in arrival order, one transaction: two round trips
    /// (<see cref="JobEventBatchWriter"/>).</summary>
    private async Task CommitBatchAsync(List<Pending> batch)
    {
        await using var open = await batchWriter.BeginAsync(batch.Select(p => p.SlurmId).Distinct().ToArray(), CancellationToken.None);
        var decisions = new Decision[batch.Count];
        var appends = new List<JobEventBatchWriter.Append>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var p = batch[i];
            var known = open.Known[p.SlurmId].ToList();
            var decision = decisions[i] = p.Decide(known);
            if (decision is Decision.Append append)
                appends.Add(new(append.JobId, append.IsNew ? null : known.First(j => j.Id == append.JobId), append.Events, p.Context));
        }
        if (appends.Count > 0) await batchWriter.CommitAsync(open, appends, CancellationToken.None);
        for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(decisions[i]);
    }

    /// <summary>Every job under these SLURM ids (any cluster), newest first per id, for a request decided alone.</summary>
    private static async Task<ILookup<long, JobView>> KnownJobsAsync(IQuerySession session, long[] slurmIds) =>
        JobEventBatchWriter.ByNewest(await session.QueryAsync<JobView>(KnownJobsWhere, CancellationToken.None, slurmIds));

    private const string KnownJobsWhere = "where d.slurm_id = ANY(?)";

    private async Task RunAloneAsync(Pending p)
    {
        try
        {
            p.Done.TrySetResult(await RunAsync(p.Context, CancellationToken.None, async session =>
            {
                var known = await KnownJobsAsync(session, [p.SlurmId]);
                return p.Decide(known[p.SlurmId].ToList());
            }));
        }
        catch (Exception e)
        {
            p.Done.TrySetException(e);
        }
    }

    /// <summary>A start or stop waiting for its batch.</summary>
    private sealed record Pending(object Command, EventContext Context, CancellationToken Ct)
    {
        public TaskCompletionSource<Decision> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long SlurmId => Command switch { StartJob s => s.SlurmId, StopJob s => s.SlurmId, IIngestionCommand c => c.SlurmId, _ => 0 };
        public Decision Decide(IReadOnlyList<JobView> known) => Command switch
        {
            StartJob s => IngestionDecisions.Decide(s, known, Guid.CreateVersion7),
            StopJob s => IngestionDecisions.Decide(s, known, Guid.CreateVersion7),
            IIngestionCommand c => c.Decide(known, Guid.CreateVersion7),
            _ => throw new InvalidOperationException($"not an ingestion command: {Command}"),
        };
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(writers);
    }

    /// <summary>Decides and appends in one session; the decision function may be re-run after a conflict.</summary>
    public async Task<Decision> RunAsync(EventContext context, CancellationToken ct, Func<IDocumentSession, Task<Decision>> decide)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            await JobWriteLock.EnterSharedAsync(session, ct);
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
        e is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException ||
        DatabaseErrors.IsUniqueViolation(e) ||
        (e.InnerException is not null && IsConflict(e.InnerException));
}

/// <summary>An ingestion command with its own pure decision over the jobs known under its SLURM id (any cluster).</summary>
public interface IIngestionCommand
{
    long SlurmId { get; }
    Decision Decide(IReadOnlyList<JobView> known, Func<Guid> newId);
}

/// <summary>Who caused the events, their correlation id and their source, stored as Marten event metadata.</summary>
/// <param name="Reason">Why an admin did this (admin actions require one): a header on every event of the action, so
/// one mechanism serves actions whose events come later or from elsewhere (recompute, sweep) without new event fields.</param>
public sealed record EventContext(string CausedBy, string CorrelationId, string Source, string? Reason = null)
{
    public static EventContext From(HttpContext http, string source) =>
        new(Caller.From(http.User).Name, http.CorrelationId(), source);

    public void ApplyTo(IDocumentSession session)
    {
        session.CorrelationId = CorrelationId;
        session.LastModifiedBy = CausedBy;
        session.SetHeader("source", Source);
        session.SetHeader("causedBy", CausedBy); // Marten's user_name column is not filled in Quick append mode
        if (Reason is not null) session.SetHeader("reason", Reason);
    }

    /// <summary>The same metadata on one event, for batches whose events come from different requests.</summary>
    public IEvent Stamp(IEvent e)
    {
        e.CorrelationId = CorrelationId;
        e.UserName = CausedBy;
        e.SetHeader("source", Source);
        e.SetHeader("causedBy", CausedBy);
        if (Reason is not null) e.SetHeader("reason", Reason);
        return e;
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
