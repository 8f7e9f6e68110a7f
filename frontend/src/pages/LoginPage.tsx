import { useEffect, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError } from '../api/client';
import type { AuthMethods } from '../api/types';
import { mayRead, useLogin, useMe } from '../auth';
import { useTheme } from '../theme';

/** Only same-site paths are followed after sign-in (no open redirect). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/jobs';
}

export function LoginPage() {
  useTheme();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const me = useMe();
  const login = useLogin();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  // Which sign-in methods the server offers; without an answer only the local form is shown.
  const methods = useQuery({
    queryKey: ['auth-methods'],
    queryFn: ({ signal }) => api<AuthMethods>('/api/auth/methods', { signal, quiet401: true }),
    staleTime: 5 * 60_000,
    retry: false,
  });
  const oidc = !!methods.data?.oidc;

  useEffect(() => {
    document.title = 'Sign in · Jobmon';
  }, []);

  if (me.data) return <Navigate to={mayRead(me.data) ? next : '/no-access'} replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate(
      { username: username.trim(), password },
      { onSuccess: (who) => navigate(mayRead(who) ? next : '/no-access', { replace: true }) },
    );
  };

  const error = login.error;
  let message: string | null = null;
  if (error) {
    if (error instanceof ApiError) {
      message =
        error.problem.detail ||
        (error.status === 401 ? 'Wrong user name or password.' : error.status === 404 ? 'Sign-in is not available on this server yet.' : error.problem.title || error.message);
    } else message = error.message;
  }

  return (
    <main id="main" className="login-page">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Jobmon</h1>
        <label className="field">
          <span className="field-label">User name</span>
          <input
            name="username"
            autoComplete="username"
            autoFocus
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {message ? (
          <p className="form-error" role="alert">
            {message}
            {error instanceof ApiError && error.correlationId && error.status >= 500 ? (
              <span className="muted small"> (correlation id {error.correlationId})</span>
            ) : null}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        {oidc ? (
          <>
            <p className="login-or" aria-hidden="true"><span>or</span></p>
            {/* A full-page navigation: the identity provider's pages, then back with the session cookie. */}
            <a className="btn btn-oidc" href="/auth/oauth/login">Login with OIDC</a>
          </>
        ) : null}
      </form>
    </main>
  );
}
