import { useState } from 'react';
import { Link } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { DeadLetterPage, DeadLettersRequeued } from '../../api/types';
import { ConfirmButton, ErrorState, Field, Loading, SectionError } from '../../components/common';
import { clampPage, describeMessageType, messageTypes, pageCount } from '../../lib/deadLetters';
import { formatDateTime } from '../../lib/format';

const PAGE_SIZE = 50;

/**
 * Messages whose retry budget was used up (job-end statistics after a long database or InfluxDB outage, mails):
 * requeue once the cause is fixed, or delete. Every action needs a reason, which the server logs with the admin.
 */
export function DeadLettersPanel() {
  const qc = useQueryClient();
  const [page, setPage] = useState(1);
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['dead-letters', page],
    queryFn: ({ signal }) =>
      api<DeadLetterPage>(`/api/admin/dead-letters?page=${page}&pageSize=${PAGE_SIZE}`, { signal }),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const refresh = (message: string) => {
    setDone(message);
    qc.invalidateQueries({ queryKey: ['dead-letters'] });
  };
  const requeue = useMutation({
    mutationFn: (id: string) =>
      api<DeadLettersRequeued>(`/api/admin/dead-letters/${encodeURIComponent(id)}/requeue`, {
        method: 'POST',
        body: { reason: reason.trim() },
      }),
    onSuccess: () => refresh('Requeued: it is processed again within seconds.'),
  });
  const requeueAll = useMutation({
    mutationFn: (messageType: string | null) =>
      api<DeadLettersRequeued>('/api/admin/dead-letters/requeue', {
        method: 'POST',
        body: messageType ? { reason: reason.trim(), messageType } : { reason: reason.trim() },
      }),
    onSuccess: (r) => refresh(`Requeued ${r.requeued} dead letter${r.requeued === 1 ? '' : 's'}.`),
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      api<void>(`/api/admin/dead-letters/${encodeURIComponent(id)}`, {
        method: 'DELETE',
        body: { reason: reason.trim() },
      }),
    onSuccess: () => refresh('Deleted.'),
  });
  const busy = requeue.isPending || requeueAll.isPending || remove.isPending;
  const noReason = !reason.trim();
  const data = list.data;
  const pages = data ? pageCount(data.total, PAGE_SIZE) : 1;
  if (data && clampPage(page, data.total, PAGE_SIZE) !== page) setPage(clampPage(page, data.total, PAGE_SIZE));
  const failed = requeue.error ?? requeueAll.error ?? remove.error;

  return (
    <section className="card" aria-labelledby="dead-letters-title">
      <h2 id="dead-letters-title">Dead letters</h2>
      <p className="muted small">
        Work that still failed after its retry budget (job-end statistics: about 5 hours for database errors, 3 days for
        InfluxDB outages, 36 s for other errors). Fix the cause, then requeue; delete what should never run.
      </p>
      <div className="inline-form">
        <Field label="Reason (required)">
          <input name="dead-letter-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1024}
            placeholder="e.g. database back after the storage outage" />
        </Field>
        <button type="button" className="btn btn-primary" disabled={noReason || busy || !data || data.total === 0}
          onClick={() => requeueAll.mutate(null)}>
          Requeue all
        </button>
        {data && messageTypes(data.items).length > 1
          ? messageTypes(data.items).map((t) => (
              <button key={t} type="button" className="btn" disabled={noReason || busy}
                onClick={() => requeueAll.mutate(t)}>
                Requeue all: {describeMessageType(t)}
              </button>
            ))
          : null}
      </div>
      {done ? <p role="status">{done}</p> : null}
      {failed ? <ErrorState error={failed} title="The action failed" /> : null}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <SectionError error={list.error} what="Dead letters" />
      ) : data && data.total === 0 ? (
        <p className="muted" data-testid="dead-letters-empty">No dead letters: all work was processed.</p>
      ) : data ? (
        <>
          <p className="small">{data.total} dead letter{data.total === 1 ? '' : 's'}, oldest first.</p>
          <div className="table-wrap">
            <table aria-label="Dead letters">
              <thead>
                <tr>
                  <th scope="col">Work</th>
                  <th scope="col">Job</th>
                  <th scope="col">Error</th>
                  <th scope="col" className="col-opt">First failure</th>
                  <th scope="col" className="col-opt">Attempts</th>
                  <th scope="col"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((d) => (
                  <tr key={d.id} data-dead-letter={d.id}>
                    <td>
                      <span title={d.messageType}>{describeMessageType(d.messageType)}</span>
                      {d.requeued ? <span className="badge"> requeued</span> : null}
                    </td>
                    <td>
                      {d.jobId ? (
                        <Link to={`/jobs/${d.jobId}`}>{d.jobId.slice(0, 8)}</Link>
                      ) : (
                        <span className="muted">–</span>
                      )}
                    </td>
                    <td className="small">
                      <code>{d.exceptionType.split('.').pop()}</code>: {d.exceptionMessage}
                    </td>
                    <td className="col-opt small">{d.firstFailedAt ? formatDateTime(d.firstFailedAt) : '–'}</td>
                    <td className="col-opt">
                      {d.attempts}
                      {d.replayCount > 0 ? <span className="muted"> ({d.replayCount} requeued before)</span> : null}
                    </td>
                    <td className="nowrap">
                      <button type="button" className="btn btn-small" disabled={noReason || busy || d.requeued}
                        onClick={() => requeue.mutate(d.id)}>
                        Requeue
                      </button>{' '}
                      <ConfirmButton label="Delete" confirmLabel="Really delete?" disabled={noReason || busy}
                        onConfirm={() => remove.mutate(d.id)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pages > 1 ? (
            <nav className="pager" aria-label="Dead letter pages">
              <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                Previous
              </button>
              <span className="small"> Page {page} of {pages} </span>
              <button type="button" className="btn btn-small" disabled={page >= pages}
                onClick={() => setPage(page + 1)}>
                Next
              </button>
            </nav>
          ) : null}
          {noReason ? <p className="muted small">Enter a reason to requeue or delete.</p> : null}
        </>
      ) : null}
    </section>
  );
}
