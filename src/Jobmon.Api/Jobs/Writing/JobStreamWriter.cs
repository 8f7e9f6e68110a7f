using System.Threading.Channels;
using JasperFx;
using JasperFx.Events;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Jobs.Writing;


/// <summary>
/// The one writer of job streams, through Marten's public API only: every append of job events (ingestion, tags,
/// corrections, the overtime sweeper, job-end and running statistics, imports) goes through here, in a lightweight
/// session whose transaction first takes the shared <see cref="JobWriteLock"/> (a bulk job-view rebuild takes it
/// exclusively). Answers only after the commit, so a 2xx means the events are durable.
/// <list type="bullet">
/// <item><see cref="SubmitAsync"/>: group commit. A few writer loops each take whatever commands are waiting (at most
/// <see cref="MaxBatch"/>, never two for one SLURM id), look their jobs up in one query, decide each with its pure
/// decider, stage one <c>StartStream</c>/<c>Append</c> (with the looked-up version as expected version) per decision,
/// each event stamped with its own request's metadata, and call <c>SaveChangesAsync</c> once. If the commit fails
/// (another writer or host got there first: a stream version or the unique running key), no decision of the batch is
/// stored, so every command of it is decided again alone on reloaded jobs, with retries: one conflict costs the others
/// a retry, never their write.</item>
/// <item><see cref="WriteAsync"/>: one job, loaded once with <c>FetchForWriting</c> (the inline projection reuses
/// that load), decided, appended under its version, retried on conflict.</item>
/// <item><see cref="AppendAsync"/>: appends decided elsewhere in one transaction, no retry (the caller reports).</item>
/// </list>
/// </summary>
public sealed class JobStreamWriter : IAsyncDisposable
{
    private const int Attempts = 3;
    /// <summary>Commands decided and committed together at most.</summary>
    private const int MaxBatch = 64;
    private const string KnownJobsWhere = "where d.slurm_id = ANY(?)";
    private readonly IDocumentStore store;
    private readonly ILogger<JobStreamWriter> logger;
    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>();
    private readonly Task[] writers;

    public JobStreamWriter(IDocumentStore store, JobmonSettings settings, ILogger<JobStreamWriter> logger)
    {
        this.store = store;
        this.logger = logger;
        writers = Enumerable.Range(0, Math.Max(1, settings.IngestionWriters)).Select(_ => Task.Run(WriteLoopAsync))
            .ToArray();
    }

    /// <summary>Decides <paramref name="cmd"/> in the next group-commit batch and stores its decision.</summary>
    public Task<Decision> SubmitAsync(ISlurmJobCommand cmd, EventContext context, CancellationToken ct)
    {
        var pending = new Pending(cmd, context, ct);
        if (!queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(JobStreamWriter),
            "Jobmon is shutting down");
        return pending.Done.Task;
    }

    /// <summary>Decides on one job as it is now (null: no such job) and appends the decided events; decided again
    /// after a concurrent write. <paramref name="decide"/> may store documents that belong to the same
    /// change.</summary>
    public async Task<Decision> WriteAsync(Guid jobId, EventContext context, Func<JobView?, IDocumentOperations,
        Decision> decide, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.IdentitySession(); // the inline projection reuses the fetched view
            await JobWriteLock.EnterSharedAsync(session, ct);
            context.ApplyTo(session);
            var stream = await session.Events.FetchForWriting<JobView>(jobId, ct);
            var decision = decide(stream.Aggregate, session);
            if (decision is not Decision.Append append) return decision;
            if (append.JobId != jobId || append.IsNew)
                throw new InvalidOperationException($"a write on job {jobId} decided an append to {append.JobId}");
            stream.AppendMany(append.Events);
            try
            {
                await JobStreamGuard.SaveAsync(session, ct);
                return decision;
            }
            catch (Exception e) when (attempt < Attempts && IsConflict(e))
            {
                logger.LogInformation("Concurrent write on job {JobId}; deciding again (attempt {Attempt})", jobId,
                    attempt + 1);
            }
        }
    }

    /// <summary>Appends decided elsewhere, with documents of the same change, in one transaction. Throws on any
    /// conflict, and then nothing is stored (see <see cref="IsConflict"/>).</summary>
    public async Task AppendAsync(EventContext context, IReadOnlyList<JobAppend> appends,
        IEnumerable<object> documents, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        await JobWriteLock.EnterSharedAsync(session, ct);
        context.ApplyTo(session);
        foreach (var a in appends.Where(a => a.Events.Length > 0))
            Stage(session, a.JobId, a.VersionBefore, a.Events, context);
        foreach (var document in documents) session.Store(document);
        await JobStreamGuard.SaveAsync(session, ct);
    }

    /// <summary>A new stream, or events after <paramref name="versionBefore"/>: Marten checks the version in the
    /// database before it takes sequence numbers (its quick-append function), so a lost race leaves no gap.</summary>
    private static void Stage(IDocumentSession session, Guid jobId, long? versionBefore, object[] events,
        EventContext context)
    {
        var action = versionBefore is { } before
            ? session.Events.Append(jobId, before + events.Length, events)
            : session.Events.StartStream<JobView>(jobId, events);
        foreach (var e in action.Events) context.Stamp(e);
    }

    /// <summary>True when another writer got there first (stream version, stream id, unique running key): deciding
    /// again on reloaded jobs resolves it.</summary>
    public static bool IsConflict(Exception e) =>
        e is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException
            or JasperFx.Events.ExistingStreamIdCollisionException ||
        DatabaseErrors.IsUniqueViolation(e) ||
        (e.InnerException is not null && IsConflict(e.InnerException));

    private async Task WriteLoopAsync()
    {
        var carried = new List<Pending>(); // later commands for a SLURM id already in the batch: they go next time
        while (carried.Count > 0 || await queue.Reader.WaitToReadAsync())
        {
            var batch = new List<Pending>(MaxBatch);
            var ids = new HashSet<long>();
            var waiting = carried;
            carried = [];
            foreach (var p in waiting) (ids.Add(p.Command.SlurmId) ? batch : carried).Add(p);
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var p))
                (ids.Add(p.Command.SlurmId) ? batch : carried).Add(p);
            batch.RemoveAll(p => p.Ct.IsCancellationRequested && p.Done.TrySetCanceled(p.Ct));
            if (batch.Count == 0) continue;
            try
            {
                var decisions = await CommitBatchAsync(batch);
                for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(decisions[i]);
            }
            catch (Exception e) when (batch.Count > 1 || IsConflict(e))
            {
                // Nothing of the batch is stored: decide each command again alone, with retries, so a conflict or a
                // failure is only its own command's.
                logger.LogInformation(e, "Job write batch of {Count} not committed; deciding each command alone",
                    batch.Count);
                foreach (var p in batch) await RunAloneAsync(p);
            }
            catch (Exception e)
            {
                batch[0].Done.TrySetException(e);
            }
        }
    }

    /// <summary>The lock and the lookup in one round trip (separate statements, so the lookup sees what was committed
    /// before the lock was granted), decisions in arrival order, one <c>SaveChangesAsync</c>.</summary>
    private async Task<Decision[]> CommitBatchAsync(IReadOnlyList<Pending> batch)
    {
        // An identity-map session: the looked-up views are in its identity map, where the inline job-view projection
        // finds them (UseIdentityMapForAggregates) instead of loading every appended job again.
        await using var session = store.IdentitySession();
        await session.BeginTransactionAsync(CancellationToken.None);
        var lookUp = session.CreateBatchQuery();
        _ = lookUp.Query<string>(JobWriteLock.SharedForTransactionSql());
        var found = lookUp.Query<JobView>(KnownJobsWhere, batch.Select(p => p.Command.SlurmId).Distinct().ToArray());
        await lookUp.Execute(CancellationToken.None);
        var known = ByNewest(await found);

        var decisions = new Decision[batch.Count];
        var staged = false;
        for (var i = 0; i < batch.Count; i++)
        {
            var p = batch[i];
            var jobs = known[p.Command.SlurmId].ToList();
            var decision = decisions[i] = p.Command.Decide(jobs, Guid.CreateVersion7);
            if (decision is not Decision.Append append) continue;
            // The expected version is the one the decision saw: the view and its stream are committed together.
            Stage(session, append.JobId, append.IsNew ? null : jobs.First(j => j.Id == append.JobId).Version,
                append.Events, p.Context);
            staged = true;
        }
        if (staged) await JobStreamGuard.SaveAsync(session, CancellationToken.None);
        return decisions;
    }

    private static ILookup<long, JobView> ByNewest(IEnumerable<JobView> jobs)
        => jobs.OrderByDescending(j => j.WindowStart).ToLookup(j => j.SlurmId);

    private async Task RunAloneAsync(Pending p)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                p.Done.TrySetResult((await CommitBatchAsync([p]))[0]);
                return;
            }
            catch (Exception e) when (attempt < Attempts && IsConflict(e))
            {
                logger.LogInformation("Concurrent write on SLURM job {SlurmId}; deciding again (attempt {Attempt})",
                    p.Command.SlurmId, attempt + 1);
            }
            catch (Exception e)
            {
                p.Done.TrySetException(e);
                return;
            }
        }
    }

    /// <summary>A command waiting for its batch.</summary>
    private sealed record Pending(ISlurmJobCommand Command, EventContext Context, CancellationToken Ct)
    {
        public TaskCompletionSource<Decision> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(writers);
    }
}
