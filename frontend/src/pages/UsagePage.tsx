import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../api/client';
import { isAdmin, useMe } from '../auth';
import { ErrorState, Loading } from '../components/common';
import { formatCount, formatHours } from '../lib/format';

/** GET /api/usage's answer (Usage/UsageEndpoints.cs). */
export interface UsageTotals {
  jobs: number;
  running: number;
  byState: Record<string, number>;
  wallHours: number;
  nodeHours: number;
  gpuHours: number;
  coreHours: number;
  jobsWithFindings: number;
  findingsShare: number;
  wastedGpuHours: number;
}
export interface UsageReport {
  from: string;
  to: string;
  interval: 'day' | 'month';
  user: string | null;
  computedAt: string;
  totals: UsageTotals;
  periods: { period: string; totals: UsageTotals }[];
  users: { key: string; totals: UsageTotals }[];
  partitions: { key: string; totals: UsageTotals }[];
}

const STATES = ['running', 'completed', 'failed', 'cancelled', 'timeout', 'outofmemory', 'nodefail', 'preempted', 'requeued', 'bootfail', 'deadline', 'stopped'];

export function usageQuery(params: Record<string, string>): string {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
  const s = q.toString();
  return `/api/usage${s ? `?${s}` : ''}`;
}

const percent = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0)} %`;

function periodLabel(iso: string, interval: 'day' | 'month') {
  return interval === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

/** Usage figures per period, one row each; the total below. */
export function UsageTable({ report, caption }: { report: UsageReport; caption: string }) {
  const rows = report.periods;
  return (
    <div className="table-wrap">
      <table className="stats-table" data-testid="usage-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{report.interval === 'month' ? 'Month' : 'Day'}</th>
            <th scope="col">Jobs ended</th>
            <th scope="col">Running</th>
            <th scope="col">Node-hours</th>
            <th scope="col">GPU-hours</th>
            <th scope="col">Core-hours</th>
            <th scope="col">Wall-hours</th>
            <th scope="col">Jobs with findings</th>
            <th scope="col">Wasted GPU-hours</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <UsageRowCells key={p.period} label={periodLabel(p.period, report.interval)} t={p.totals} />
          ))}
        </tbody>
        <tfoot>
          <UsageRowCells label="Total" t={report.totals} />
        </tfoot>
      </table>
    </div>
  );
}

function UsageRowCells({ label, t }: { label: string; t: UsageTotals }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{formatCount(t.jobs)}</td>
      <td>{formatCount(t.running)}</td>
      <td>{formatHours(t.nodeHours)}</td>
      <td>{formatHours(t.gpuHours)}</td>
      <td>{formatHours(t.coreHours)}</td>
      <td>{formatHours(t.wallHours)}</td>
      <td>{t.jobs > 0 ? `${formatCount(t.jobsWithFindings)} (${percent(t.findingsShare)})` : '–'}</td>
      <td>{formatHours(t.wastedGpuHours)}</td>
    </tr>
  );
}

/** Filters and the usage report: the statistics page for every signed-in user (admins also see everybody). */
export function UsageExplorer({ user }: { user?: string }) {
  const me = useMe();
  const admin = isAdmin(me.data);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [cluster, setCluster] = useState('');
  const [state, setState] = useState('');
  const path = usageQuery({ from, to, cluster, state, user: user ?? '' });
  const report = useQuery({ queryKey: ['usage', path], queryFn: ({ signal }) => api<UsageReport>(path, { signal }) });
  return (
    <section className="card" aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage{user ? ` of ${user}` : admin ? ' (all users)' : ''}</h2>
      <p className="muted">Default: the last 14 days. Running jobs count up to now. Whole UTC days.</p>
      <form className="filter-row usage-filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} aria-label="From" />
        </label>
        <label>
          To (exclusive) <input type="date" value={to} onChange={(e) => setTo(e.target.value)} aria-label="To" />
        </label>
        <label>
          Cluster <input type="text" value={cluster} onChange={(e) => setCluster(e.target.value.trim())} aria-label="Cluster" placeholder="any" />
        </label>
        <label>
          State
          <select value={state} onChange={(e) => setState(e.target.value)} aria-label="State">
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </form>
      {report.isPending ? <Loading /> : report.isError ? <ErrorState error={report.error} title="Could not load the usage" /> : (
        <>
          <UsageTable report={report.data} caption={`${periodLabel(report.data.from, 'day')} – ${periodLabel(report.data.to, 'day')} (exclusive)`} />
          {admin && !user && report.data.users.length > 0 ? (
            <div className="table-wrap">
              <table className="stats-table" data-testid="usage-users">
                <caption>Per user</caption>
                <thead>
                  <tr><th scope="col">User</th><th scope="col">Jobs ended</th><th scope="col">Running</th><th scope="col">Node-hours</th><th scope="col">GPU-hours</th><th scope="col">Wasted GPU-hours</th></tr>
                </thead>
                <tbody>
                  {report.data.users.map((u) => (
                    <tr key={u.key}>
                      <th scope="row"><Link to={`/usage/${encodeURIComponent(u.key)}`}>{u.key}</Link></th>
                      <td>{formatCount(u.totals.jobs)}</td>
                      <td>{formatCount(u.totals.running)}</td>
                      <td>{formatHours(u.totals.nodeHours)}</td>
                      <td>{formatHours(u.totals.gpuHours)}</td>
                      <td>{formatHours(u.totals.wastedGpuHours)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}

/** /usage (own) and /usage/:user (admins): node-, GPU- and wall-hours per month over the last 12 months. */
export default function UsagePage() {
  const { user: param } = useParams();
  const me = useMe();
  const user = param ?? me.data?.username ?? '';
  useEffect(() => {
    document.title = `Usage · ${user} · Jobmon`;
  }, [user]);
  const now = new Date();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)).toISOString().slice(0, 10);
  const path = usageQuery({ from, interval: 'month', user });
  const report = useQuery({ queryKey: ['usage', path], queryFn: ({ signal }) => api<UsageReport>(path, { signal }), enabled: user !== '' });
  return (
    <div className="stats-page">
      <h1>Usage · {user}</h1>
      <p className="muted">
        Jobs with findings: finished jobs the job-end classification flagged. Wasted GPU-hours: GPU-hours of jobs whose GPUs were nearly idle
        (finding <code>idle-gpus</code>, mean utilisation below 5 %).
      </p>
      {report.isPending ? <Loading /> : report.isError ? <ErrorState error={report.error} title="Could not load the usage" /> : (
        <section className="card">
          <UsageTable report={report.data} caption="Per month (UTC), last 12 months" />
        </section>
      )}
    </div>
  );
}
