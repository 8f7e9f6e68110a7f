import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { AccessRequest } from '../../api/types';
import { ErrorState, Loading, SectionError } from '../../components/common';
import { formatDateTime, formatRelative } from '../../lib/format';

const ASSIGNABLE = ['user', 'admin', 'job-control'] as const;

/** Pending access requests: approve with the roles to grant, or reject with a reason. */
export function AccessRequestsPanel() {
  const qc = useQueryClient();
  const [showAll, setShowAll] = useState(false);
  const requests = useQuery({
    queryKey: ['admin-access-requests', showAll],
    queryFn: ({ signal }) => api<AccessRequest[]>(`/api/admin/access-requests?status=${showAll ? 'all' : 'pending'}`, { signal }),
    refetchInterval: 30_000,
  });
  const refresh = () => {
    qc.invalidateQueries({ queryKey: ['admin-access-requests'] });
    qc.invalidateQueries({ queryKey: ['admin-users'] });
  };
  const approve = useMutation({
    mutationFn: ({ id, roles }: { id: string; roles: string[] }) =>
      api<AccessRequest>(`/api/admin/access-requests/${id}/approve`, { method: 'POST', body: { roles } }),
    onSettled: refresh,
  });
  const reject = useMutation({
    mutationFn: ({ id, reason }: { id: string; reason: string }) =>
      api<AccessRequest>(`/api/admin/access-requests/${id}/reject`, { method: 'POST', body: reason ? { reason } : {} }),
    onSettled: refresh,
  });
  const list = requests.data ? [...requests.data].sort((a, b) => (a.status === 'pending' ? 0 : 1) - (b.status === 'pending' ? 0 : 1)) : undefined;
  const pendingCount = requests.data?.filter((r) => r.status === 'pending').length ?? 0;
  return (
    <section className="card" aria-labelledby="requests-title">
      <div className="section-head">
        <h2 id="requests-title">
          Access requests {pendingCount > 0 ? <span className="badge state-running">{pendingCount} pending</span> : null}
        </h2>
        <label className="check">
          <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> Show answered requests too
        </label>
      </div>
      {approve.isError ? <ErrorState error={approve.error} title="Could not approve the request" /> : null}
      {reject.isError ? <ErrorState error={reject.error} title="Could not reject the request" /> : null}
      {requests.isPending ? <Loading /> : null}
      {requests.isError ? <SectionError error={requests.error} what="Access requests" /> : null}
      {list ? (
        list.length === 0 ? (
          <p className="muted">No {showAll ? '' : 'pending '}access requests.</p>
        ) : (
          <ul className="request-list">
            {list.map((r) => (
              <RequestItem
                key={r.id}
                request={r}
                busy={(approve.isPending && approve.variables?.id === r.id) || (reject.isPending && reject.variables?.id === r.id)}
                onApprove={(roles) => approve.mutate({ id: r.id, roles })}
                onReject={(reason) => reject.mutate({ id: r.id, reason })}
              />
            ))}
          </ul>
        )
      ) : null}
    </section>
  );
}

function RequestItem({ request: r, busy, onApprove, onReject }: {
  request: AccessRequest; busy: boolean; onApprove: (roles: string[]) => void; onReject: (reason: string) => void;
}) {
  const [roles, setRoles] = useState<string[]>(['user']);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const toggle = (role: string) => setRoles((rs) => (rs.includes(role) ? rs.filter((x) => x !== role) : [...rs, role]));
  return (
    <li className="request-item" data-request-user={r.username} data-status={r.status}>
      <div className="request-head">
        <strong>{r.username}</strong>
        <span className={`badge ${r.status === 'pending' ? 'state-running' : r.status === 'approved' ? 'state-completed' : 'state-cancelled'}`}>{r.status}</span>
        <time className="muted small" dateTime={r.createdAt} title={formatDateTime(r.createdAt)}>asked {formatRelative(r.createdAt)}</time>
        <span className="muted small">roles then: {r.rolesAtRequest.length ? r.rolesAtRequest.join(', ') : 'none'}</span>
      </div>
      {r.message ? <blockquote className="request-message">{r.message}</blockquote> : <p className="muted small">No message.</p>}
      {r.status === 'pending' ? (
        rejecting ? (
          <form
            className="inline-form compact request-actions"
            onSubmit={(e) => {
              e.preventDefault();
              onReject(reason.trim());
            }}
          >
            <label className="field">
              <span className="field-label">Reason (optional, shown to {r.username})</span>
              <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} autoFocus />
            </label>
            <button type="submit" className="btn btn-small btn-danger" disabled={busy}>Reject request of {r.username}</button>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setRejecting(false)}>Cancel</button>
          </form>
        ) : (
          <div className="request-actions">
            <fieldset className="roles">
              <legend className="sr-only">Roles to grant {r.username}</legend>
              {ASSIGNABLE.map((role) => (
                <label key={role} className="check">
                  <input type="checkbox" checked={roles.includes(role)} onChange={() => toggle(role)} aria-label={`grant ${role} to ${r.username}`} /> {role}
                </label>
              ))}
            </fieldset>
            <button type="button" className="btn btn-small btn-primary" disabled={busy || roles.length === 0} onClick={() => onApprove(roles)}>
              Approve
            </button>
            <button type="button" className="btn btn-small" disabled={busy} onClick={() => setRejecting(true)}>Reject…</button>
          </div>
        )
      ) : (
        <p className="muted small">
          {r.status} {r.decidedAt ? formatRelative(r.decidedAt) : ''}
          {r.decidedBy ? ` by ${r.decidedBy}` : ''}
          {r.grantedRoles?.length ? ` · granted ${r.grantedRoles.join(', ')}` : ''}
          {r.reason ? ` · reason: ${r.reason}` : ''}
        </p>
      )}
    </li>
  );
}
