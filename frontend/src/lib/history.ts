// Readable audit history: a summary per event (units, rounded numbers) and per-node tables shown collapsed.
import { formatUnit, prefersBinary } from './format';
import { summarizeEvent, type HistoryEvent } from './jobs';

export interface EventTable {
  caption: string;
  columns: string[];
  rows: string[][];
}

export interface EventView {
  summary: string;
  tables: EventTable[];
}

interface Stats {
  unit?: string;
  mean?: number | null;
  min?: number | null;
  max?: number | null;
  robustMax?: number | null;
  samples?: number;
  nodes?: Record<string, Stats>;
}

const fmt = (v: number | null | undefined, unit: string) => (v === null || v === undefined ? '–' : formatUnit(v, unit, { binary: prefersBinary(unit) }));

/** Job-end or running statistics: the metrics' means in one line, per metric and node in a table. */
function statistics(d: Record<string, unknown>, what: string, names: Record<string, string>): EventView {
  const metrics = Object.entries((d.metrics ?? {}) as Record<string, Stats>).sort(([a], [b]) => a.localeCompare(b));
  const nodes = new Set(metrics.flatMap(([, s]) => Object.keys(s.nodes ?? {})));
  const interval = Number(d.interval);
  const head = `${what} of ${metrics.length} metric${metrics.length === 1 ? '' : 's'} on ${nodes.size} node${nodes.size === 1 ? '' : 's'}${interval ? ` (windows of ${interval} s)` : ''}`;
  const means = metrics.map(([name, s]) => `${names[name] ?? name} ${fmt(s.mean, s.unit ?? '')}`);
  const overview: EventTable = {
    caption: 'Per metric (whole job)',
    columns: ['Metric', 'Mean', 'Min', 'Max', 'Robust max'],
    rows: metrics.map(([name, s]) => [names[name] ?? name, fmt(s.mean, s.unit ?? ''), fmt(s.min, s.unit ?? ''), fmt(s.max, s.unit ?? ''), fmt(s.robustMax, s.unit ?? '')]),
  };
  const perNode: EventTable = {
    caption: 'Per node',
    columns: ['Metric', 'Node', 'Mean', 'Min', 'Max', 'Robust max', 'Samples'],
    rows: metrics.flatMap(([name, s]) =>
      Object.entries(s.nodes ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([node, n]) => [names[name] ?? name, node, fmt(n.mean, s.unit ?? ''), fmt(n.min, s.unit ?? ''), fmt(n.max, s.unit ?? ''), fmt(n.robustMax, s.unit ?? ''), `${n.samples ?? '–'}`]),
    ),
  };
  return { summary: `${head}${means.length ? `: mean ${means.join(', ')}` : ''}`, tables: metrics.length ? [overview, perNode] : [] };
}

function findings(d: Record<string, unknown>, none: string): string {
  const list = (Array.isArray(d.findings) ? d.findings : []) as { tag?: string; reason?: string }[];
  return list.length ? list.map((f) => `${f.tag}${f.reason ? ` (${f.reason})` : ''}`).join('; ') : none;
}

/** What an audit event did, for people: one summary line, and tables (collapsed in the page) for per-node detail. */
export function describeEvent(e: Pick<HistoryEvent, 'type' | 'data'>, names: Record<string, string> = {}): EventView {
  const d = e.data ?? {};
  switch (e.type) {
    case 'job_metric_statistics_recorded':
      return statistics(d, d.trigger === 'admin' ? 'Statistics recomputed on request' : 'Job-end statistics', names);
    case 'running_job_statistics_recorded':
      return statistics(d, 'Statistics while running', names);
    case 'job_classified':
      return { summary: `Classified at job end: ${findings(d, 'no findings')}`, tables: [] };
    case 'job_findings_raised':
      return { summary: `Found while running: ${findings(d, 'nothing')}`, tables: [] };
    case 'job_statistics_recompute_requested':
      return { summary: 'Statistics, archive and findings to be computed again', tables: [] };
    case 'job_scheduler_details_reported': {
      const s = (d.details ?? {}) as Record<string, unknown>;
      const parts = [
        s.walltimeSeconds ? `walltime ${Math.round(Number(s.walltimeSeconds) / 60)} min` : null,
        s.numHwthreads ? `${s.numHwthreads} hardware threads` : null,
        s.smt ? `SMT ${s.smt}` : null,
        s.shared && s.shared !== 'none' ? `shared ${s.shared}` : null,
      ].filter(Boolean);
      const resources = (Array.isArray(s.resources) ? s.resources : []) as { hostname?: string; hwthreads?: number[] | null; accelerators?: string[] | null }[];
      return {
        summary: `Scheduler details${parts.length ? `: ${parts.join(', ')}` : ''}; ${resources.length} node resource${resources.length === 1 ? '' : 's'}`,
        tables: resources.length
          ? [{ caption: 'Resources', columns: ['Node', 'Hardware threads', 'Accelerators'], rows: resources.map((r) => [r.hostname ?? '', `${r.hwthreads?.length ?? 0}`, (r.accelerators ?? []).join(', ')]) }]
          : [],
      };
    }
    case 'job_started': {
      const nodes = (Array.isArray(d.nodes) ? d.nodes : []) as string[];
      return { summary: summarizeEvent(e), tables: nodes.length > 8 ? [{ caption: 'Nodes', columns: ['Node'], rows: nodes.map((n) => [n]) }] : [] };
    }
    default:
      return { summary: summarizeEvent(e), tables: [] };
  }
}
