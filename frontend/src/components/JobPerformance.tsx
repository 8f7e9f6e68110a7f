import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/client';
import { formatDateTime, formatDuration, formatUnit } from '../lib/format';

/** GET /api/jobs/{id}/compare and /roofline (Performance/JobPerformance.cs). */
interface ComparedRun {
  id: string;
  jobId: number;
  name: string;
  state: string;
  startTime: string | null;
  durationSeconds: number | null;
  numNodes: number;
  flopsPerNode: number | null;
  memoryBandwidthPerNode: number | null;
  energyKwh: number | null;
  energyMetrics: string[];
}
interface JobComparison { by: string; key: string; job: ComparedRun; runs: ComparedRun[] }
interface RooflinePoint { node: string; time: string; intensity: number; flops: number }
interface Roofline {
  available: boolean;
  reason: string | null;
  flopsMetric: string | null;
  peakFlops: number | null;
  peakBandwidth: number | null;
  points: RooflinePoint[];
}

const kwh = (v: number | null) => (v == null ? '–' : `${v.toFixed(v < 1 ? 3 : 1)} kWh`);

/** Energy, "this job vs. the user's last runs" and the roofline: one section of the job page. */
export function JobPerformance({ jobId }: { jobId: string }) {
  const [by, setBy] = useState<'name' | 'account'>('name');
  const compare = useQuery({
    queryKey: ['compare', jobId, by],
    queryFn: ({ signal }) => api<JobComparison>(`/api/jobs/${jobId}/compare?by=${by}&n=10`, { signal }),
  });
  const roofline = useQuery({
    queryKey: ['roofline', jobId],
    queryFn: ({ signal }) => api<Roofline>(`/api/jobs/${jobId}/roofline`, { signal }),
  });
  const c = compare.data;
  return (
    <section className="card" aria-labelledby="perf-title" data-testid="job-performance">
      <h2 id="perf-title">Energy, comparison and roofline</h2>
      {c ? (
        <p data-testid="job-energy">
          Energy: <strong>{kwh(c.job.energyKwh)}</strong>
          {c.job.energyKwh == null ? ' (no power metrics for this job)' : ` (from ${c.job.energyMetrics.join(', ')}: mean power × runtime per node)`}
        </p>
      ) : null}
      <label>
        Compare with the last 10 runs with the same{' '}
        <select value={by} onChange={(e) => setBy(e.target.value as 'name' | 'account')} aria-label="Compare by">
          <option value="name">job name</option>
          <option value="account">account</option>
        </select>
      </label>
      {c ? (
        <div className="table-wrap">
          <table className="stats-table" data-testid="compare-table">
            <thead>
              <tr>
                <th scope="col">Job</th><th scope="col">Start</th><th scope="col">Runtime</th><th scope="col">Nodes</th>
                <th scope="col">FLOP rate / node</th><th scope="col">Memory bandwidth / node</th><th scope="col">Energy</th>
              </tr>
            </thead>
            <tbody>
              {[c.job, ...c.runs].map((r, i) => (
                <tr key={r.id} className={i === 0 ? 'current' : undefined}>
                  <th scope="row">{i === 0 ? <strong>this job ({r.jobId})</strong> : <Link to={`/jobs/${r.id}`}>{r.jobId}</Link>}</th>
                  <td>{formatDateTime(r.startTime)}</td>
                  <td>{formatDuration(r.durationSeconds)}</td>
                  <td>{r.numNodes}</td>
                  <td>{r.flopsPerNode == null ? '–' : formatUnit(r.flopsPerNode, 'FLOP/s')}</td>
                  <td>{r.memoryBandwidthPerNode == null ? '–' : formatUnit(r.memoryBandwidthPerNode, 'B/s')}</td>
                  <td>{kwh(r.energyKwh)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {c.runs.length === 0 ? <p className="muted">No earlier finished runs with the same {by === 'name' ? 'job name' : 'account'}.</p> : null}
        </div>
      ) : null}
      <h3>Roofline</h3>
      {roofline.data && !roofline.data.available ? (
        <p className="notice" data-testid="roofline-missing">Roofline not available: {roofline.data.reason}</p>
      ) : roofline.data ? (
        <RooflineChart r={roofline.data} />
      ) : null}
    </section>
  );
}

/** Log-log: x = FLOP/byte, y = FLOP/s; roof = min(peak FLOP/s, x × peak bandwidth); one dot per node and window. */
function RooflineChart({ r }: { r: Roofline }) {
  const W = 480, H = 300, pad = 40;
  const peakF = r.peakFlops ?? 1, peakB = r.peakBandwidth ?? 1;
  const xs = [0.01, 1000], ys = [Math.min(...r.points.map((p) => p.flops), peakF / 1e4) / 2, peakF * 2];
  const lx = (x: number) => pad + ((Math.log10(x) - Math.log10(xs[0])) / (Math.log10(xs[1]) - Math.log10(xs[0]))) * (W - 2 * pad);
  const ly = (y: number) => H - pad - ((Math.log10(y) - Math.log10(ys[0])) / (Math.log10(ys[1]) - Math.log10(ys[0]))) * (H - 2 * pad);
  const ridge = peakF / peakB;
  const clampX = (x: number) => Math.min(xs[1], Math.max(xs[0], x));
  return (
    <figure data-testid="roofline">
      <svg width="100%" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Roofline: ${r.points.length} points, ridge at ${ridge.toFixed(2)} FLOP/byte`}>
        <rect x={pad} y={pad} width={W - 2 * pad} height={H - 2 * pad} fill="none" stroke="currentColor" opacity={0.3} />
        <polyline fill="none" stroke="currentColor" strokeWidth={2}
          points={`${lx(xs[0])},${ly(Math.max(ys[0], xs[0] * peakB))} ${lx(clampX(ridge))},${ly(peakF)} ${lx(xs[1])},${ly(peakF)}`} />
        {r.points.map((p, i) => (
          <circle key={i} cx={lx(clampX(p.intensity))} cy={ly(Math.max(ys[0], p.flops))} r={2.5} fill="#1f77b4" opacity={0.6}>
            <title>{`${p.node} ${formatDateTime(p.time)}: ${p.intensity.toPrecision(3)} FLOP/byte, ${formatUnit(p.flops, 'FLOP/s')}`}</title>
          </circle>
        ))}
        <text x={W / 2} y={H - 8} textAnchor="middle" fontSize={11} fill="currentColor">arithmetic intensity (FLOP/byte, log)</text>
        <text x={12} y={H / 2} textAnchor="middle" fontSize={11} fill="currentColor" transform={`rotate(-90 12 ${H / 2})`}>{r.flopsMetric} (FLOP/s, log)</text>
      </svg>
      <figcaption className="muted">
        Roof: {formatUnit(peakF, 'FLOP/s')} and {formatUnit(peakB, 'B/s')} per node (partition peaks); one dot per node and time window.
      </figcaption>
    </figure>
  );
}
