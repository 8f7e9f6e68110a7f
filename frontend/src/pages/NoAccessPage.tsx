import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Navigate } from 'react-router';
import { api, ApiError } from '../api/client';
import type { AccessRequest } from '../api/types';
import { mayRead, useMe } from '../auth';
import { ErrorState, Field, Loading } from '../components/common';
import { formatDateTime, formatRelative } from '../lib/format';

const MAX_MESSAGE = 1000;

/** Signed in, but without the user or admin role: ask the admins for access and see how the request stands. */
export function NoAccessPage() {
  const me = useMe();
  const qc = useQueryClient();
  const [message, setMessage] = useState('');
  useEffect(() => {
    document.title = 'No access · Jobmon';
  }, []);
  const mine = useQuery({
    queryKey: ['my-access-requests'],
    queryFn: ({ signal }) => api<AccessRequest[]>('/api/access-requests', { signal }),
    // An admin may answer at any time: look again now and then.
    refetchInterval: 30_000,
  });
  const request = useMutation({
    mutationFn: (body: { message?: string }) => api<AccessRequest>('/api/access-requests', { method: 'POST', body }),
    onSuccess: () => setMessage(''),
    // Also after a 429: the pending request it means is then shown.
    onSettled: () => qc.invalidateQueries({ queryKey: ['my-access-requests'] }),
  });
  const latest = mine.data?.[0];
  // Approved: the roles changed; ask who we are again (the guard then lets us in).
  useEffect(() => {
    if (latest?.status === 'approved') qc.invalidateQueries({ queryKey: ['me'] });
  }, [latest?.status, latest?.id, qc]);

  if (me.data && mayRead(me.data)) return <Navigate to="/jobs" replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const text = message.trim();
    request.mutate(text ? { message: text } : {});
  };
  const pending = latest?.status === 'pending' ? latest : undefined;
  const err = request.error;
  const tooMany = err instanceof ApiError && err.status === 429;
  const unavailable = err instanceof ApiError && err.status === 404;

  return (
    <div className="card narrow no-access">
      <h1>No access yet</h1>
      <p>
        You are signed in as <strong>{me.data?.username}</strong>, but your account has no role that lets you see jobs
        {me.data?.roles.length ? ` (roles: ${me.data.roles.join(', ')})` : ''}. An administrator has to give you the{' '}
        <code>user</code> role.
      </p>
      {mine.isPending ? <Loading label="Looking for your access requests…" /> : null}
      {pending ? (
        <div className="request-status" role="status" data-status="pending">
          <p>
            <span className="badge state-running">pending</span> You asked for access{' '}
            <time dateTime={pending.createdAt} title={formatDateTime(pending.createdAt)}>{formatRelative(pending.createdAt)}</time>.
            An administrator will answer it; this page notices when you have been let in.
          </p>
          {pending.message ? <blockquote className="request-message">{pending.message}</blockquote> : null}
        </div>
      ) : (
        <>
          {latest?.status === 'rejected' ? (
            <div className="notice" role="status" data-status="rejected">
              Your request of {formatDateTime(latest.createdAt)} was declined
              {latest.decidedBy ? ` by ${latest.decidedBy}` : ''}
              {latest.reason ? <>: <q>{latest.reason}</q></> : '.'} You may ask again.
            </div>
          ) : null}
          {latest?.status === 'approved' ? (
            <p className="success" role="status">Your request was approved — loading Jobmon…</p>
          ) : null}
          <form className="request-form" onSubmit={submit} aria-label="Request access">
            <Field label="Message to the administrators (optional)" hint={`${message.length} / ${MAX_MESSAGE}`}>
              <textarea
                name="message"
                rows={3}
                maxLength={MAX_MESSAGE}
                value={message}
                onChange={(e) => setMessage(e.target.value)}
                placeholder="e.g. I am in project X and need to see my jobs."
              />
            </Field>
            <button type="submit" className="btn btn-primary" disabled={request.isPending}>
              {request.isPending ? 'Sending…' : 'Request access'}
            </button>
          </form>
        </>
      )}
      {tooMany ? (
        <p className="notice" role="alert">{err.problem.detail || 'You cannot ask again just now.'}</p>
      ) : unavailable ? (
        <p className="notice" role="alert">Access requests are not available on this server; please contact your administrator.</p>
      ) : err ? (
        <ErrorState error={err} title="The request could not be sent" />
      ) : null}
      {mine.isError && !(mine.error instanceof ApiError && mine.error.status === 404) ? (
        <ErrorState error={mine.error} title="Could not load your access requests" />
      ) : null}
      {mine.data && mine.data.length > 1 ? (
        <details className="request-history">
          <summary>Earlier requests</summary>
          <ul>
            {mine.data.slice(1).map((r) => (
              <li key={r.id}>
                {formatDateTime(r.createdAt)}: {r.status}
                {r.decidedBy ? ` by ${r.decidedBy}` : ''}
                {r.reason ? ` (${r.reason})` : ''}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
