import { useEffect, useMemo, useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import type { JobDetail, MetricsResponse } from '../api/types';
import { formatDuration } from '../lib/format';
import { compressHostlist, tryExpandHostlist } from '../lib/hostlist';
import { ErrorState, Field, Loading } from './common';
import { createZoomGroup, MetricChart } from './MetricChart';
import { groupMetrics, mergeLiveMetrics, metricsQuery, type Aggregation } from '../lib/metrics';
import { useCatalogue } from '../api/catalogue';
import { finerInterval } from '../lib/chart';

export function MetricsSection({ job }: { job: JobDetail }) {
  const [node, setNode] = useState('');
  const [hostExpr, setHostExpr] = useState('');
  const [aggregation, setAggregation] = useState<Aggregation>('');
  const [interval, setInterval] = useState<number | null>(null);
  const [autoscale, setAutoscale] = useState(true);
  const [showQuantiles, setShowQuantiles] = useState(false);
  const zoom = useMemo(() => createZoomGroup(), []);
  const catalogue = useCatalogue();
  const [zoomKey, setZoomKey] = useState(0);
  // Drag-zoom fetches finer data: the zoomed range stays shown while a finer interval is loaded for it.
  const [zoomRange, setZoomRange] = useState<[number, number] | null>(null);

  const running = job.state === 'running';
  // Big running jobs come as a band with the outliers named; the viewer may ask for every node's line.
  const [perNode, setPerNode] = useState(false);
  // Huge jobs (server: Jobmon:JobMetrics:HugeAboveNodes, default 2000) are bands only, running or not.
  const banded = running && !node && job.nodes.length > 8 && job.nodes.length <= 2000;
  const query = metricsQuery({ node, aggregation, interval, perNode: banded && perNode });
  const live = useLiveMetrics(job.id, query, running && job.startKnown);
  const metrics = useQuery({
    queryKey: ['metrics', job.id, query],
    queryFn: ({ signal }) => api<MetricsResponse>(`/api/jobs/${job.id}/metrics${query ? `?${query}` : ''}`, { signal }),
    enabled: job.startKnown,
    placeholderData: keepPreviousData,
    // Running jobs: new samples arrive all the time (the planned /live stream will replace this polling).
    refetchInterval: running ? (live ? 120_000 : 30_000) : false,
    retry: (count, error) => !(error instanceof ApiError && [400, 401, 403, 404, 503].includes(error.status)) && count < 1,
  });

  // The node-selection box: a SLURM hostlist expression limiting which nodes' lines are drawn.
  const hostFilter = useMemo(() => {
    if (node || hostExpr.trim() === '') return { labels: undefined as Set<string> | undefined, error: undefined, unknown: [] as string[] };
    const r = tryExpandHostlist(hostExpr);
    if (r.error !== undefined) return { labels: undefined, error: r.error, unknown: [] };
    const inJob = new Set(job.nodes);
    return { labels: new Set(r.hosts), error: undefined, unknown: r.hosts.filter((h) => !inJob.has(h)) };
  }, [hostExpr, node, job.nodes]);

  if (!job.startKnown) return <p className="muted">No metrics: the job's start is unknown.</p>;

  const csvHref = `/api/jobs/${job.id}/metrics.csv${query ? `?${query}` : ''}`;
  const err = metrics.error;
  let errorView: React.ReactNode = null;
  if (err instanceof ApiError && err.status === 404) {
    errorView = (
      <p className="notice" role="status">
        Metrics are not available for this job on this server (the metrics service answered “not found”).
      </p>
    );
  } else if (err instanceof ApiError && err.status === 503) {
    errorView = (
      <p className="notice" role="alert">
        Metrics unavailable: {err.problem.detail || err.problem.title || 'the metrics database is down'}
        {err.correlationId ? <span className="muted small"> (correlation id {err.correlationId})</span> : null}
      </p>
    );
  } else if (err) {
    errorView = <ErrorState error={err} title="Could not load metrics" />;
  }

  const data = metrics.data;
  const onZoom = (from: number, to: number) => {
    setZoomRange([from, to]);
    if (data) {
      const finer = finerInterval(data.intervals ?? [], data.interval, from, to);
      if (finer !== null) setInterval(finer);
    }
  };
  const resetZoom = () => {
    setZoomRange(null);
    setInterval(null);
    setZoomKey((k) => k + 1);
  };
  const grouped = data ? groupMetrics(data.metrics, catalogue.data?.metrics) : null;
  const unavailable = err instanceof ApiError && err.status === 404;
  return (
    <div className="metrics">
      {unavailable ? null : (
      <div className="metric-controls">
        <Field label="Node">
          <select name="node" value={node} onChange={(e) => setNode(e.target.value)}>
            <option value="">All nodes (one line per node)</option>
            {job.nodes.map((n) => (
              <option key={n} value={n}>
                {n} (one line per device)
              </option>
            ))}
          </select>
        </Field>
        {!node && job.nodes.length > 1 ? (
          <Field
            label="Show nodes (hostlist)"
            hint={
              hostFilter.error ? (
                <span className="form-error">{hostFilter.error}</span>
              ) : hostFilter.unknown.length ? (
                <span className="form-warning">not in this job: {compressHostlist(hostFilter.unknown)}</span>
              ) : hostFilter.labels ? (
                `${hostFilter.labels.size} node${hostFilter.labels.size === 1 ? '' : 's'}`
              ) : undefined
            }
          >
            <input
              name="hosts"
              value={hostExpr}
              onChange={(e) => setHostExpr(e.target.value)}
              placeholder={compressHostlist(job.nodes)}
              aria-invalid={!!hostFilter.error}
            />
          </Field>
        ) : null}
        <Field label="Aggregation">
          <select name="aggregation" value={aggregation} onChange={(e) => setAggregation(e.target.value as Aggregation)}>
            <option value="">metric's default</option>
            <option value="sum">sum</option>
            <option value="mean">mean</option>
            <option value="min">min</option>
            <option value="max">max</option>
          </select>
        </Field>
        <Field label="Interval">
          <select
            name="interval"
            value={interval ?? ''}
            onChange={(e) => setInterval(e.target.value ? Number(e.target.value) : null)}
          >
            <option value="">auto{data ? ` (${formatDuration(data.interval)})` : ''}</option>
            {(data?.intervals ?? []).map((s) => (
              <option key={s} value={s}>
                {formatDuration(s)}
              </option>
            ))}
          </select>
        </Field>
        {banded ? (
          <label className="check">
            <input type="checkbox" name="perNode" checked={perNode} onChange={(e) => setPerNode(e.target.checked)} /> Every node's line
          </label>
        ) : null}
        <label className="check">
          <input type="checkbox" checked={autoscale} onChange={(e) => setAutoscale(e.target.checked)} /> Autoscale
        </label>
        <label className="check">
          <input type="checkbox" checked={showQuantiles} onChange={(e) => setShowQuantiles(e.target.checked)} /> Quartiles
        </label>
        <button type="button" className="btn" onClick={resetZoom}>
          Reset zoom
        </button>
        <a className="btn" href={csvHref} download>
          Export CSV
        </a>
      </div>
      )}
      {unavailable ? null : (
        <p className="muted small">Drag across a chart to zoom all charts (finer data is loaded for the zoomed range); “Reset zoom” to go back. Hover a line to name it; click a legend entry to hide it.{running ? (live ? ' Live: new samples stream in while the job runs.' : ' Updates every 30 s while the job runs.') : ''}</p>
      )}
      {metrics.isPending ? <Loading label="Loading metrics…" /> : null}
      {errorView}
      {data && !err ? (
        <>
          {data.errors?.length ? (
            <ul className="notice">
              {data.errors.map((e) => (
                <li key={e.metric}>
                  {e.metric}: {e.message}
                </li>
              ))}
            </ul>
          ) : null}
          {data.metrics.length === 0 ? <p className="muted">No metrics recorded for this job.</p> : null}
          <div key={zoomKey}>
            {grouped!.groups.map((g) => (
              <section key={g.category} className="metric-category" data-category={g.category}>
                <h3>{g.category}</h3>
                <div className="chart-grid">
                  {g.metrics.map((m) => (
                    <MetricChart
                      key={m.name}
                      metric={m}
                      labels={hostFilter.labels}
                      autoscale={autoscale}
                      showQuantiles={showQuantiles}
                      zoom={zoom}
                      syncKey={`job-${job.id}`}
                      onZoom={onZoom}
                      xRange={zoomRange}
                    />
                  ))}
                </div>
              </section>
            ))}
          </div>
          {grouped!.noData.length ? (
            <p className="muted metrics-no-data">
              No data: {grouped!.noData.map((m) => m.displayName || m.name).join(', ')}
            </p>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

/**
 * Server-Sent Events from /api/jobs/{id}/live for running jobs: each message (same shape as the metrics answer,
 * newest samples) is merged into the cached metrics. Returns whether the stream is open; when the server has no
 * such stream (404 closes it at once) the caller keeps polling.
 */
function useLiveMetrics(jobId: string, query: string, enabled: boolean): boolean {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const key = ['metrics', jobId, query];
    const es = new EventSource(`/api/jobs/${jobId}/live${query ? `?${query}` : ''}`, { withCredentials: true });
    es.onopen = () => setOpen(true);
    es.onmessage = (e) => {
      try {
        const update = JSON.parse(e.data) as Partial<MetricsResponse>;
        qc.setQueryData<MetricsResponse>(key, (old) => (old ? mergeLiveMetrics(old, update) : old));
      } catch {
        // not a metrics update: ignore
      }
    };
    // The job ended: reload the job (state, end, statistics) and its metrics; the stream is done.
    es.addEventListener('ended', () => {
      es.close();
      setOpen(false);
      qc.invalidateQueries({ queryKey: ['job', jobId] });
      qc.invalidateQueries({ queryKey: ['metrics', jobId] });
    });
    // InfluxDB does not answer: fall back to polling (which shows the 503 message) until it does.
    es.addEventListener('unavailable', () => {
      es.close();
      setOpen(false);
      qc.invalidateQueries({ queryKey: key });
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) setOpen(false);
    };
    return () => {
      es.close();
      setOpen(false);
    };
  }, [jobId, query, enabled, qc]);
  return open;
}
