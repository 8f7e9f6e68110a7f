import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { AdminUser, ApiKey, CreatedApiKey, ProjectionsOverview } from '../api/types';
import { useMe } from '../auth';
import { Link, useSearchParams } from 'react-router';
import { ConfirmButton, CopyButton, ErrorState, Field, Loading, SectionError } from '../components/common';
import { AccessRequestsPanel } from './settings/AccessRequestsPanel';
import { CatalogueEditor } from './settings/CatalogueEditor';
import { LiveLogPanel } from './settings/LiveLogPanel';
import { SweepNowPanel } from './settings/SweepNowPanel';
import { DeadLettersPanel } from './settings/DeadLettersPanel';
import { formatCount, formatDateTime, formatRelative } from '../lib/format';
import { localInputToIso } from '../lib/filters';

const TABS = [
  { id: 'general', label: 'Accounts and projections' },
  { id: 'catalogue', label: 'Metric catalogue' },
  { id: 'logs', label: 'Live log' },
  { id: 'dead-letters', label: 'Dead letters' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export default function SettingsPage() {
  const [params] = useSearchParams();
  const tab: Tab = (TABS.find((t) => t.id === params.get('tab'))?.id ?? 'general');
  useEffect(() => {
    document.title = `${TABS.find((t) => t.id === tab)!.label} · Settings · Jobmon`;
  }, [tab]);
  return (
    <div className="settings-page">
      <h1>Settings</h1>
      <nav className="tabs" aria-label="Settings sections">
        {TABS.map((t) => (
          <Link key={t.id} to={t.id === 'general' ? '/settings' : `/settings?tab=${t.id}`} aria-current={t.id === tab ? 'page' : undefined} className="tab">
            {t.label}
          </Link>
        ))}
      </nav>
      {tab === 'general' ? (
        <>
          <AccessRequestsPanel />
          <ApiKeys />
          <Users />
          <Projections />
        </>
      ) : null}
      {tab === 'catalogue' ? <CatalogueEditor /> : null}
      {tab === 'logs' ? <LiveLogPanel /> : null}
      {tab === 'dead-letters' ? <DeadLettersPanel /> : null}
    </div>
  );
}

// ---------------------------------------------------------------- API keys

function ApiKeys() {
  const qc = useQueryClient();
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: ({ signal }) => api<ApiKey[]>('/api/admin/api-keys', { signal }) });
  const [name, setName] = useState('');
  const [role, setRole] = useState<'job-control' | 'read-only'>('read-only');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const create = useMutation({
    mutationFn: (body: { name: string; role: string; expiresAt?: string }) =>
      api<CreatedApiKey>('/api/admin/api-keys', { method: 'POST', body }),
    onSuccess: (k) => {
      setCreated(k);
      setName('');
      setExpires('');
      qc.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api<void>(`/api/admin/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSettled: () => qc.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    const expiresAt = localInputToIso(expires);
    create.mutate({ name: name.trim(), role, ...(expiresAt ? { expiresAt } : {}) });
  };
  return (
    <section className="card" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p className="muted small">
        For scripts: <code>job-control</code> keys may report job starts and ends (the SLURM script), <code>read-only</code> keys may read jobs.
      </p>
      {created ? (
        <div className="token-once" role="status" aria-live="polite">
          <p>
            <strong>New key “{created.name}” ({created.role}).</strong> Copy the token now — it is shown only once.
          </p>
          <p className="token-row">
            <code className="token selectable" data-copy-source data-testid="new-token">{created.token}</code>
            <CopyButton text={created.token} />
          </p>
          <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>I have copied it</button>
        </div>
      ) : null}
      <form className="inline-form" onSubmit={submit} aria-label="Create an API key">
        <Field label="Name">
          <input name="keyName" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="e.g. slurm-controller" />
        </Field>
        <Field label="Role">
          <select name="keyRole" value={role} onChange={(e) => setRole(e.target.value as 'job-control' | 'read-only')}>
            <option value="read-only">read-only</option>
            <option value="job-control">job-control</option>
          </select>
        </Field>
        <Field label="Expires (optional)">
          <input name="keyExpires" type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </Field>
        <button type="submit" className="btn btn-primary" disabled={create.isPending || !name.trim()}>
          Create key
        </button>
      </form>
      {create.isError ? <ErrorState error={create.error} title="Could not create the key" /> : null}
      {revoke.isError ? <ErrorState error={revoke.error} title="Could not revoke the key" /> : null}
      {keys.isPending ? <Loading /> : null}
      {keys.isError ? <SectionError error={keys.error} what="API key management" /> : null}
      {keys.data ? (
        keys.data.length === 0 ? (
          <p className="muted">No API keys yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="cards" aria-label="API keys">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col" className="col-opt">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col" className="col-opt">Expires</th>
                  <th scope="col">Status</th>
                  <th scope="col"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((k) => {
                  const expired = !!k.expiresAt && new Date(k.expiresAt).getTime() < Date.now();
                  return (
                    <tr key={k.id}>
                      <td>
                        {k.name}
                        {k.source === 'original' ? (
                          <> <span className="badge" title="A token the original JobMon minted (its SLURM script's key), accepted with its job-control role while its config.json is loaded. Replace it with a Jobmon key, then revoke it.">imported from the original</span></>
                        ) : null}
                      </td>
                      <td data-label="Role"><code>{k.role}</code></td>
                      <td className="col-opt nowrap">{formatDateTime(k.createdAt)} <span className="muted small">by {k.createdBy}</span></td>
                      <td className="nowrap" data-label="Last used" title={k.lastUsedAt ? formatDateTime(k.lastUsedAt) : undefined}>{formatRelative(k.lastUsedAt)}</td>
                      <td className="col-opt nowrap">{k.expiresAt ? formatDateTime(k.expiresAt) : 'never'}</td>
                      <td>{k.revoked ? <span className="badge state-cancelled">revoked</span> : expired ? <span className="badge state-timeout">expired</span> : <span className="badge state-completed">active</span>}</td>
                      <td className="card-actions">
                        {!k.revoked ? (
                          <ConfirmButton label="Revoke" confirmLabel={`Revoke “${k.name}”`} onConfirm={() => revoke.mutate(k.id)} disabled={revoke.isPending} />
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------- Users

const ROLES = ['user', 'admin', 'job-control'] as const;

function Users() {
  const qc = useQueryClient();
  const me = useMe();
  const users = useQuery({ queryKey: ['admin-users'], queryFn: ({ signal }) => api<AdminUser[]>('/api/admin/users', { signal }) });
  const refresh = () => qc.invalidateQueries({ queryKey: ['admin-users'] });
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<string[]>(['user']);
  const [passwordFor, setPasswordFor] = useState<string | null>(null);
  const [newPassword, setNewPassword] = useState('');
  const create = useMutation({
    mutationFn: (body: { username: string; password: string; roles: string[] }) => api<unknown>('/api/admin/users', { method: 'POST', body }),
    onSuccess: () => {
      setUsername('');
      setPassword('');
      setRoles(['user']);
      refresh();
    },
  });
  const patch = useMutation({
    mutationFn: ({ username: u, body }: { username: string; body: { roles?: string[]; disabled?: boolean; password?: string } }) =>
      api<unknown>(`/api/admin/users/${encodeURIComponent(u)}`, { method: 'PATCH', body }),
    onSuccess: (_r, v) => {
      if (v.body.password) {
        setPasswordFor(null);
        setNewPassword('');
      }
    },
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (u: string) => api<void>(`/api/admin/users/${encodeURIComponent(u)}`, { method: 'DELETE' }),
    onSettled: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ username: username.trim(), password, roles });
  };
  const toggle = (list: string[], r: string) => (list.includes(r) ? list.filter((x) => x !== r) : [...list, r]);
  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">Users and roles</h2>
      <p className="muted small">
        <code>user</code> sees own jobs, <code>admin</code> sees everything and manages Jobmon, <code>job-control</code> may report jobs.
      </p>
      <form className="inline-form" onSubmit={submit} aria-label="Create a user">
        <Field label="User name">
          <input name="newUsername" value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="off" />
        </Field>
        <Field label="Password">
          <input name="newPassword" type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="new-password" />
        </Field>
        <fieldset className="roles">
          <legend className="field-label">Roles</legend>
          {ROLES.map((r) => (
            <label key={r} className="check">
              <input type="checkbox" checked={roles.includes(r)} onChange={() => setRoles(toggle(roles, r))} /> {r}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="btn btn-primary" disabled={create.isPending || !username.trim() || !password}>
          Create user
        </button>
      </form>
      {create.isError ? <ErrorState error={create.error} title="Could not create the user" /> : null}
      {patch.isError ? <ErrorState error={patch.error} title="Could not change the user" /> : null}
      {remove.isError ? <ErrorState error={remove.error} title="Could not delete the user" /> : null}
      {users.isPending ? <Loading /> : null}
      {users.isError ? <SectionError error={users.error} what="User management" /> : null}
      {users.data ? (
        <div className="table-wrap">
          <table className="cards" aria-label="Users">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Roles</th>
                <th scope="col" className="col-opt">Source</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">Status</th>
                <th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => {
                const self = u.username === me.data?.username;
                return (
                  <tr key={u.username}>
                    <td className="card-wide">{u.username}{self ? <span className="muted small"> (you)</span> : null}</td>
                    <td>
                      <span className="role-checks">
                        {ROLES.map((r) => (
                          <label key={r} className="check">
                            <input
                              type="checkbox"
                              checked={u.roles.includes(r)}
                              disabled={patch.isPending || (self && r === 'admin')}
                              onChange={() => patch.mutate({ username: u.username, body: { roles: toggle(u.roles, r) } })}
                              aria-label={`${r} role for ${u.username}`}
                            />{' '}
                            {r}
                          </label>
                        ))}
                      </span>
                    </td>
                    <td className="col-opt">{u.source}</td>
                    <td className="nowrap" data-label="Last sign-in" title={u.lastLogin ? formatDateTime(u.lastLogin) : undefined}>{formatRelative(u.lastLogin)}</td>
                    <td>{u.disabled ? <span className="badge state-cancelled">disabled</span> : <span className="badge state-completed">active</span>}</td>
                    <td className="actions card-actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={patch.isPending || self}
                        onClick={() => patch.mutate({ username: u.username, body: { disabled: !u.disabled } })}
                      >
                        {u.disabled ? 'Enable' : 'Disable'}
                      </button>
                      {u.source === 'local' ? (
                        passwordFor === u.username ? (
                          <form
                            className="inline-form compact"
                            onSubmit={(e) => {
                              e.preventDefault();
                              patch.mutate({ username: u.username, body: { password: newPassword } });
                            }}
                          >
                            <label>
                              <span className="sr-only">New password for {u.username}</span>
                              <input type="password" value={newPassword} onChange={(e) => setNewPassword(e.target.value)} autoComplete="new-password" required autoFocus />
                            </label>
                            <button type="submit" className="btn btn-small btn-primary" disabled={!newPassword}>Set</button>
                            <button type="button" className="btn btn-small btn-ghost" onClick={() => setPasswordFor(null)}>Cancel</button>
                          </form>
                        ) : (
                          <button type="button" className="btn btn-small" onClick={() => { setPasswordFor(u.username); setNewPassword(''); }}>
                            Set password
                          </button>
                        )
                      ) : null}
                      {!self ? (
                        <ConfirmButton label="Delete" confirmLabel={`Delete ${u.username}`} onConfirm={() => remove.mutate(u.username)} disabled={remove.isPending} />
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------- Projections

function Projections() {
  const qc = useQueryClient();
  const [requested, setRequested] = useState<string | null>(null);
  const status = useQuery({
    queryKey: ['projections'],
    queryFn: ({ signal }) => api<ProjectionsOverview>('/api/admin/projections', { signal }),
    // Poll every 2 s while a rebuild runs (or was just asked for), else every 30 s.
    refetchInterval: (q) =>
      requested || q.state.data?.projections.some((p) => p.rebuild?.state === 'running') ? 2000 : 30_000,
  });
  const rebuild = useMutation({
    mutationFn: (name: string) => api<unknown>(`/api/admin/projections/${encodeURIComponent(name)}/rebuild`, { method: 'POST' }),
    onMutate: (name) => setRequested(name),
    onSettled: () => qc.invalidateQueries({ queryKey: ['projections'] }),
  });
  // Stop the fast polling once the requested rebuild shows as finished.
  useEffect(() => {
    if (!requested || !status.data) return;
    const p = status.data.projections.find((x) => x.name === requested);
    if (p?.rebuild && p.rebuild.state !== 'running') setRequested(null);
  }, [requested, status.data]);

  const d = status.data;
  return (
    <>
    <SweepNowPanel />
    <section className="card" aria-labelledby="proj-title">
      <h2 id="proj-title">Projections</h2>
      {status.isPending ? <Loading /> : null}
      {status.isError ? <SectionError error={status.error} what="Projection status" /> : null}
      {rebuild.isError ? <ErrorState error={rebuild.error} title="Could not start the rebuild" /> : null}
      {d ? (
        <>
          <p className="muted small">
            {formatCount(d.eventCount)} events in {formatCount(d.streamCount)} streams · high-water mark {formatCount(d.highWaterMark)}
          </p>
          <div className="table-wrap">
            <table className="cards" aria-label="Projections">
              <thead>
                <tr>
                  <th scope="col">Projection</th>
                  <th scope="col" className="col-opt">Lifecycle</th>
                  <th scope="col">Position</th>
                  <th scope="col">Rebuild</th>
                  <th scope="col"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {d.projections.map((p) => {
                  const running = p.rebuild?.state === 'running';
                  const seq = p.shards.length ? Math.min(...p.shards.map((s) => s.sequence)) : 0;
                  const behind = p.shards.length ? Math.max(...p.shards.map((s) => s.behind)) : 0;
                  return (
                    <tr key={p.name} data-projection={p.name}>
                      <td className="card-wide">{p.name}</td>
                      <td className="col-opt">{p.lifecycle}</td>
                      <td>
                        {p.shards.length === 0 ? (
                          <span className="muted">inline</span>
                        ) : (
                          <>
                            <progress max={Math.max(1, d.highWaterMark)} value={Math.min(seq, d.highWaterMark)} aria-label={`${p.name} position`} />{' '}
                            <span className="small">
                              {formatCount(seq)}
                              {behind > 0 ? <span className="muted"> ({formatCount(behind)} behind)</span> : <span className="muted"> (up to date)</span>}
                            </span>
                          </>
                        )}
                      </td>
                      <td className="small">
                        {p.rebuild ? (
                          <>
                            <span className={`badge rebuild-${p.rebuild.state}`}>{p.rebuild.state}</span>{' '}
                            {running ? `since ${formatRelative(p.rebuild.startedAt).replace(' ago', '')}` : formatDateTime(p.rebuild.finishedAt)}
                            {p.rebuild.total != null ? (
                              <span className="muted" data-testid="rebuild-progress">
                                {' '}({formatCount(p.rebuild.done ?? 0)} of {formatCount(p.rebuild.total)} jobs)
                              </span>
                            ) : null}
                            {p.rebuild.startedBy ? <span className="muted"> by {p.rebuild.startedBy}</span> : null}
                            {p.rebuild.error ? <div className="form-error">{p.rebuild.error}</div> : null}
                          </>
                        ) : (
                          <span className="muted">never rebuilt</span>
                        )}
                      </td>
                      <td className="card-actions">
                        <ConfirmButton
                          label={running ? 'Rebuilding…' : 'Rebuild'}
                          confirmLabel={`Rebuild ${p.name}`}
                          onConfirm={() => rebuild.mutate(p.name)}
                          disabled={running || (rebuild.isPending && rebuild.variables === p.name)}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
    </>
  );
}
