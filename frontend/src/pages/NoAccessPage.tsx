import { useMutation } from '@tanstack/react-query';
import { Navigate } from 'react-router';
import { api, ApiError } from '../api/client';
import { mayRead, useMe } from '../auth';
import { ErrorState } from '../components/common';

/** Signed in, but without the user or admin role. */
export function NoAccessPage() {
  const me = useMe();
  const request = useMutation({ mutationFn: () => api<unknown>('/api/access-requests', { method: 'POST', body: {} }) });
  if (me.data && mayRead(me.data)) return <Navigate to="/jobs" replace />;
  return (
    <div className="card narrow">
      <h1>No access yet</h1>
      <p>
        You are signed in as <strong>{me.data?.username}</strong>, but your account has no role that lets you see jobs
        {me.data?.roles.length ? ` (roles: ${me.data.roles.join(', ')})` : ''}. An administrator has to give you the{' '}
        <code>user</code> role.
      </p>
      {request.isSuccess ? (
        <p className="success" role="status">Your request was sent. You can use Jobmon once an administrator grants it.</p>
      ) : (
        <button type="button" className="btn btn-primary" onClick={() => request.mutate()} disabled={request.isPending}>
          {request.isPending ? 'Sending…' : 'Request access'}
        </button>
      )}
      {request.isError ? (
        request.error instanceof ApiError && request.error.status === 404 ? (
          <p className="notice" role="alert">Access requests are not available on this server yet; please contact your administrator.</p>
        ) : (
          <ErrorState error={request.error} title="The request could not be sent" />
        )
      ) : null}
    </div>
  );
}
