import { useEffect, useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, ApiError } from '../api/client';
import type { Summary } from '../api/types';
import { BarChart } from '../components/BarChart';
import { ErrorState, Loading, NotAvailable } from '../components/common';
import { JOB_STATES, serializeFilters, DEFAULT_FILTERS } from '../lib/filters';
import { formatCount, formatDateTime, formatHours } from '../lib/format';

type Metric = 'jobs' | 'nodeHours' | 'gpuHours' | 'wallHours';
const METRICS: { key: Metric; label: string }[] = [
  { key: 'jobs', label: 'Jobs' },
  { key: 'nodeHours', label: 'Node-hours' },
  { key: 'gpuHours', label: 'GPU-hours' },
  { key: 'wallHours', label: 'Wall-hours' },
];

export default function StatisticsPage() {
  useEffect(() => {
    document.title = 'Statistics · Jobmon';
  }, []);
  const users = useQuery({
    queryKey: ['summaries', 'users'],
    queryFn: ({ signal }) => api<Summary[]>('/api/summaries/users', { signal }),
  });
  const partitions = useQuery({
    queryKey: ['summaries', 'partitions'],
    queryFn: ({ signal }) => api<Summary[]>('/api/summaries/partitions', { signal }),
  });
  return (
    <div className="stats-page">
      <h1>Statistics</h1>
      <SummarySection title="Per user" kind="user" query={users} />
      <SummarySection title="Per cluster and partition" kind="partition" query={partitions} />
    </div>
  );
}

function SummarySection({
  title,
  kind,
  query,
}: {
  title: string;
  kind: 'user' | 'partition';
  query: { data?: Summary[]; error: unknown; isPending: boolean; isError: boolean };
}) {
  const [metric, setMetric] = useState<Metric>('nodeHours');
  const [sort, setSort] = useState<{ key: Metric | 'id' | 'running'; desc: boolean }>({ key: 'nodeHours', desc: true });
  const rows = useMemo(() => {
    const list = [...(query.data ?? [])];
    list.sort((a, b) => {
      const va = a[sort.key] ?? 0;
      const vb = b[sort.key] ?? 0;
      const c = typeof va === 'string' ? va.localeCompare(String(vb)) : (va as number) - (vb as number);
      return sort.desc ? -c : c;
    });
    return list;
  }, [query.data, sort]);
  const id = `stats-${kind}`;
  const linkTo = (s: Summary) => {
    const f = { ...DEFAULT_FILTERS, state: [], tags: [] };
    if (kind === 'user') f.user = s.id;
    else {
      f.cluster = s.cluster ?? s.id.split('/')[0];
      f.partition = s.partition ?? s.id.split('/').slice(1).join('/');
    }
    return `/jobs?${serializeFilters(f)}`;
  };
  const header = (key: Metric | 'id' | 'running', label: string, num = true) => (
    <th scope="col" className={num ? 'num' : undefined} aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : undefined}>
      <button type="button" className="sort-button" onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : key !== 'id' })}>
        {label}
        <span aria-hidden="true">{sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
  return (
    <section className="card" aria-labelledby={id}>
      <div className="section-head">
        <h2 id={id}>{title}</h2>
        <div className="segmented" role="group" aria-label="Chart shows">
          {METRICS.map((m) => (
            <button key={m.key} type="button" className="toggle" aria-pressed={metric === m.key} onClick={() => setMetric(m.key)}>
              {m.label}
            </button>
          ))}
        </div>
      </div>
      {query.isPending ? <Loading /> : null}
      {query.isError ? (
        query.error instanceof ApiError && query.error.status === 404 ? (
          <NotAvailable what="This summary" />
        ) : (
          <ErrorState error={query.error} title="Could not load the summary" />
        )
      ) : null}
      {query.data ? (
        query.data.length === 0 ? (
          <p className="muted">No jobs yet.</p>
        ) : (
          <>
            <BarChart
              title={`${METRICS.find((m) => m.key === metric)!.label} ${kind === 'user' ? 'per user' : 'per partition'} (top 15)`}
              format={metric === 'jobs' ? formatCount : formatHours}
              bars={query.data.map((s) => ({
                label: s.id,
                value: s[metric] ?? 0,
                parts:
                  metric === 'jobs'
                    ? [{ key: 'running', value: s.running }, ...JOB_STATES.filter((st) => st !== 'running').map((st) => ({ key: st, value: s.byState?.[st] ?? 0 }))]
                    : undefined,
              }))}
            />
            {metric === 'jobs' ? (
              <p className="legend small">
                {JOB_STATES.map((s) => (
                  <span key={s} className="legend-item">
                    <span className={`swatch bar-${s}`} aria-hidden="true" /> {s}
                  </span>
                ))}
              </p>
            ) : null}
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    {header('id', kind === 'user' ? 'User' : 'Cluster/partition', false)}
                    {header('jobs', 'Jobs')}
                    {header('running', 'Running')}
                    {JOB_STATES.filter((s) => s !== 'running').map((s) => (
                      <th key={s} scope="col" className="num col-opt">{s}</th>
                    ))}
                    {header('nodeHours', 'Node-h')}
                    {header('gpuHours', 'GPU-h')}
                    {header('wallHours', 'Wall-h')}
                    <th scope="col" className="col-opt">Last start</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((s) => (
                    <tr key={s.id}>
                      <td><Link to={linkTo(s)}>{s.id}</Link></td>
                      <td className="num">{formatCount(s.jobs)}</td>
                      <td className="num">{formatCount(s.running)}</td>
                      {JOB_STATES.filter((st) => st !== 'running').map((st) => (
                        <td key={st} className="num col-opt">{formatCount(s.byState?.[st] ?? 0)}</td>
                      ))}
                      <td className="num">{formatHours(s.nodeHours)}</td>
                      <td className="num">{formatHours(s.gpuHours)}</td>
                      <td className="num">{formatHours(s.wallHours)}</td>
                      <td className="col-opt nowrap">{formatDateTime(s.lastStart)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )
      ) : null}
    </section>
  );
}
