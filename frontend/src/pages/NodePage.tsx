import { useEffect, useMemo, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../api/client';
import type { Metric, NodeJobs, NodeMetrics } from '../api/types';
import { ErrorState, Field, Loading, StateBadge } from '../components/common';
import { createZoomGroup, MetricChart, type ChartMark } from '../components/MetricChart';
import { formatDateTime, formatDuration } from '../lib/format';
import { isoToLocalInput, localInputToIso } from '../lib/filters';

const HOUR = 3_600_000;
const PRESETS: [string, number][] = [['1 h', HOUR], ['6 h', 6 * HOUR], ['24 h', 24 * HOUR], ['7 d', 7 * 24 * HOUR]];

/** The window from the URL (?from=&to=, ISO); default the last 24 h. */
function windowOf(params: URLSearchParams, now: number): { from: number; to: number } {
  const to = Date.parse(params.get('to') ?? '');
  const from = Date.parse(params.get('from') ?? '');
  const end = Number.isFinite(to) ? to : now;
  return { from: Number.isFinite(from) && from < end ? from : end - 24 * HOUR, to: end };
}

/** /nodes/:cluster/:host — the node's jobs in a window and its metrics with the jobs marked. */
export default function NodePage() {
  const { cluster = '', host = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const [now] = useState(() => Date.now());
  const { from, to } = windowOf(params, now);
  const fromIso = new Date(from).toISOString();
  const toIso = new Date(to).toISOString();
  const [draftFrom, setDraftFrom] = useState(isoToLocalInput(fromIso));
  const [draftTo, setDraftTo] = useState(isoToLocalInput(toIso));
  useEffect(() => {
    setDraftFrom(isoToLocalInput(fromIso));
    setDraftTo(isoToLocalInput(toIso));
  }, [fromIso, toIso]);
  useEffect(() => {
    document.title = `${host} · Nodes · Jobmon`;
  }, [host]);

  const base = `/api/clusters/${encodeURIComponent(cluster)}/nodes/${encodeURIComponent(host)}`;
  const windowQuery = `from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`;
  const jobs = useQuery({
    queryKey: ['node-jobs', cluster, host, fromIso, toIso],
    queryFn: ({ signal }) => api<NodeJobs>(`${base}?${windowQuery}`, { signal }),
    placeholderData: keepPreviousData,
  });
  const metrics = useQuery({
    queryKey: ['node-metrics', cluster, host, fromIso, toIso],
    queryFn: ({ signal }) => api<NodeMetrics>(`${base}/metrics?${windowQuery}`, { signal }),
    placeholderData: keepPreviousData,
  });

  const setWindow = (f: number, t: number) =>
    setParams({ from: new Date(f).toISOString(), to: new Date(t).toISOString() });
  const zoom = useMemo(() => createZoomGroup(), []);
  // Job boundaries on every chart: the part of each job's run inside the window.
  const marks = useMemo<ChartMark[]>(
    () =>
      (jobs.data?.jobs ?? []).filter((j) => j.startTime).map((j) => ({
        from: Math.max(from, Date.parse(j.startTime!)),
        to: Math.min(to, j.stopTime ? Date.parse(j.stopTime) : to),
        label: `job ${j.jobId}`,
      })),
    [jobs.data, from, to],
  );
  // The axis spans the whole window (not only the samples in it), so gaps and the jobs' places are visible.
  const xRange = useMemo<[number, number]>(() => [from, to], [from, to]);
  const charts = useMemo<Metric[]>(
    () =>
      (metrics.data?.metrics ?? []).map((m) => ({
        name: m.name, displayName: m.displayName, unit: m.unit, category: '', scope: m.scope, peak: m.peak,
        series: [{ label: host, times: m.times, values: m.values }],
      })),
    [metrics.data, host],
  );

  return (
    <div className="node-page">
      <div className="page-head">
        <h1>
          Node <code>{host}</code> <span className="muted">on {cluster}</span>
        </h1>
      </div>
      <section className="card" aria-label="Time window">
        <div className="filter-row">
          {PRESETS.map(([label, span]) => (
            <button key={label} type="button" className="btn" onClick={() => setWindow(Date.now() - span, Date.now())}>
              Last {label}
            </button>
          ))}
          <Field label="From">
            <input type="datetime-local" name="from" value={draftFrom} onChange={(e) => setDraftFrom(e.target.value)} />
          </Field>
          <Field label="To">
            <input type="datetime-local" name="to" value={draftTo} onChange={(e) => setDraftTo(e.target.value)} />
          </Field>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              const f = Date.parse(localInputToIso(draftFrom));
              const t = Date.parse(localInputToIso(draftTo));
              if (Number.isFinite(f) && Number.isFinite(t) && f < t) setWindow(f, t);
            }}
          >
            Show
          </button>
        </div>
        <p className="muted small" data-testid="node-window" data-resolution={metrics.data?.resolution ?? ""}>
          {formatDateTime(from)} – {formatDateTime(to)} ({formatDuration(Math.round((to - from) / 1000))})
          {metrics.data ? ` · one point per ${formatDuration(metrics.data.resolution)}` : ''}. Drag across a chart to
          zoom in (finer data is loaded).
        </p>
      </section>

      <section className="card" aria-labelledby="node-jobs-title">
        <h2 id="node-jobs-title">Jobs on this node</h2>
        {jobs.isPending ? <Loading label="Loading jobs…" /> : null}
        {jobs.isError ? <ErrorState error={jobs.error} title="Could not load the node's jobs" /> : null}
        {jobs.data ? (
          <>
            {jobs.data.jobs.length === 0 ? <p className="muted">No jobs of yours in this window.</p> : (
              <div className="table-wrap">
                <table className="jobs-table cards" data-testid="node-jobs">
                  <thead>
                    <tr>
                      <th scope="col">State</th>
                      <th scope="col">Job id</th>
                      <th scope="col">Name</th>
                      <th scope="col">User</th>
                      <th scope="col">Start</th>
                      <th scope="col">End</th>
                      <th scope="col" className="num">Nodes</th>
                    </tr>
                  </thead>
                  <tbody>
                    {jobs.data.jobs.map((j) => (
                      <tr key={j.id} data-job-id={j.id}>
                        <td><StateBadge state={j.state} /></td>
                        <td data-label="Job"><Link to={`/jobs/${j.id}`}>{j.jobId}</Link></td>
                        <td className="name-cell card-wide"><Link to={`/jobs/${j.id}`}>{j.name || <span className="muted">(no name)</span>}</Link></td>
                        <td data-label="User">{j.user}</td>
                        <td className="nowrap" data-label="Start">{formatDateTime(j.startTime)}</td>
                        <td className="nowrap" data-label="End">{j.stopTime ? formatDateTime(j.stopTime) : <span className="muted">running</span>}</td>
                        <td className="num" data-label="Nodes">{j.numNodes}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {jobs.data.otherJobs > 0 ? (
              <p className="muted small" data-testid="node-other-jobs">
                and {jobs.data.otherJobs} job{jobs.data.otherJobs === 1 ? '' : 's'} of other users.
              </p>
            ) : null}
            {jobs.data.truncated ? <p className="muted small">Only the first 500 jobs are listed; narrow the window.</p> : null}
          </>
        ) : null}
      </section>

      <section className="card" aria-labelledby="node-metrics-title">
        <h2 id="node-metrics-title">Metrics</h2>
        {metrics.isPending ? <Loading label="Loading metrics…" /> : null}
        {metrics.isError ? <ErrorState error={metrics.error} title="Could not load the node's metrics" /> : null}
        {metrics.data?.errors.length ? (
          <ul className="notice">
            {metrics.data.errors.map((e) => <li key={e.metric}>{e.metric}: {e.message}</li>)}
          </ul>
        ) : null}
        <div className="chart-grid">
          {charts.filter((m) => m.series[0].times.length > 0).map((m) => (
            <MetricChart
              key={m.name}
              metric={m}
              autoscale
              showQuantiles={false}
              zoom={zoom}
              syncKey={`node-${cluster}-${host}`}
              marks={marks}
              onZoom={(f, t) => setWindow(f, t)}
              xRange={xRange}
            />
          ))}
        </div>
        {marks.length ? (
          <p className="muted small" data-testid="node-marks">
            Shaded on the charts:{' '}
            {marks.map((m, i) => (
              <span key={i}>
                {i > 0 ? ', ' : ''}{m.label} ({formatDateTime(m.from)} – {formatDateTime(m.to)})
              </span>
            ))}
          </p>
        ) : null}
        {metrics.data && charts.every((m) => m.series[0].times.length === 0) ? (
          <p className="muted">No metric data for this node in this window.</p>
        ) : null}
      </section>
    </div>
  );
}
