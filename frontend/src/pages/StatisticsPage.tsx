import { useEffect, useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, ApiError } from '../api/client';
import type { Summary } from '../api/types';
import { BarChart } from '../components/BarChart';
import { ErrorState, Loading, NotAvailable } from '../components/common';
import { Histogram } from '../components/Histogram';
import { JOB_STATES, serializeFilters, DEFAULT_FILTERS } from '../lib/filters';
import { formatCount, formatDateTime, formatHours } from '../lib/format';
import { DURATION_BUCKETS, NODES_BUCKETS, sumHistograms } from '../lib/histograms';
import { isAdmin, useMe } from '../auth';
import { UsageExplorer } from './UsagePage';

type Kind = 'user' | 'group' | 'partition';

type Metric = 'jobs' | 'nodeHours' | 'gpuHours' | 'wallHours';
const METRICS: { key: Metric; label: string }[] = [
  { key: 'jobs', label: 'Jobs' },
  { key: 'nodeHours', label: 'Node-hours' },
  { key: 'gpuHours', label: 'GPU-hours' },
  { key: 'wallHours', label: 'Wall-hours' },
];

/** Usage with time range, cluster and state filters for everyone; the all-time summaries for admins. */
export default function StatisticsPage() {
  useEffect(() => {
    document.title = 'Statistics · Jobmon';
  }, []);
  const me = useMe();
  return (
    <div className="stats-page">
      <h1>Statistics</h1>
      <UsageExplorer />
      {isAdmin(me.data) ? <AdminSummaries /> : null}
    </div>
  );
}

function AdminSummaries() {
  const users = useQuery({
    queryKey: ['summaries', 'users'],
    queryFn: ({ signal }) => api<Summary[]>('/api/summaries/users', { signal }),
  });
  const partitions = useQuery({
    queryKey: ['summaries', 'partitions'],
    queryFn: ({ signal }) => api<Summary[]>('/api/summaries/partitions', { signal }),
  });
  const groups = useQuery({
    queryKey: ['summaries', 'groups'],
    queryFn: ({ signal }) => api<Summary[]>('/api/summaries/groups', { signal }),
  });
  return (
    <>
      <h2>All time</h2>
      <OverallHistograms partitions={partitions.data} />
      <SummarySection title="Per user" kind="user" query={users} />
      <SummarySection title="Per group" kind="group" query={groups} />
      <SummarySection title="Per cluster and partition" kind="partition" query={partitions} />
    </>
  );
}

/** Histograms of all jobs: the sum over the partitions' summaries (every job is in exactly one partition). */
function OverallHistograms({ partitions }: { partitions?: Summary[] }) {
  if (!partitions || partitions.length === 0) return null;
  return (
    <section className="card" aria-labelledby="stats-overall">
      <h2 id="stats-overall">All jobs</h2>
      <HistogramPair summaries={partitions} title="All jobs" />
    </section>
  );
}

function HistogramPair({ summaries, title }: { summaries: Summary[]; title: string }) {
  return (
    <div className="histogram-pair">
      <Histogram kind="duration" title={`Job duration · ${title}`} buckets={DURATION_BUCKETS} data={sumHistograms(summaries.map((s) => s.durationHistogram), DURATION_BUCKETS)} />
      <Histogram kind="nodes" title={`Nodes per job · ${title}`} buckets={NODES_BUCKETS} data={sumHistograms(summaries.map((s) => s.nodesHistogram), NODES_BUCKETS)} />
    </div>
  );
}

function SummarySection({
  title,
  kind,
  query,
}: {
  title: string;
  kind: Kind;
  query: { data?: Summary[]; error: unknown; isPending: boolean; isError: boolean };
}) {
  const [metric, setMetric] = useState<Metric>('nodeHours');
  const [selected, setSelected] = useState<string[]>([]);
  const toggleSelected = (rowId: string) => setSelected((sel) => (sel.includes(rowId) ? sel.filter((x) => x !== rowId) : [...sel, rowId]));
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
    else if (kind === 'group') f.group = s.id;
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
              title={`${METRICS.find((m) => m.key === metric)!.label} per ${kind} (top 15)`}
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
                    <th scope="col"><span className="sr-only">Histograms</span></th>
                    {header('id', kind === 'user' ? 'User' : kind === 'group' ? 'Group' : 'Cluster/partition', false)}
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
                    <tr key={s.id} data-row={s.id} aria-selected={selected.includes(s.id)}>
                      <td>
                        <input type="checkbox" checked={selected.includes(s.id)} onChange={() => toggleSelected(s.id)} aria-label={`Show histograms of ${s.id}`} />
                      </td>
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
            {selected.length === 0 ? (
              <p className="muted small">Tick rows to see their job-duration and node-count histograms.</p>
            ) : (
              query.data
                .filter((s) => selected.includes(s.id))
                .map((s) => <HistogramPair key={s.id} summaries={[s]} title={s.id} />)
            )}
          </>
        )
      ) : null}
    </section>
  );
}
