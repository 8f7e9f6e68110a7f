import type { CatalogueMetric, Metric, MetricsResponse, QuantileBands } from '../api/types';
import { mergeBand } from './bands';

export type Aggregation = '' | 'sum' | 'mean' | 'min' | 'max';

/** The metrics query (shared by the JSON request and the CSV export link); only what is set. */
export function metricsQuery(opts: { node?: string; aggregation?: Aggregation; interval?: number | null; perNode?: boolean }): string {
  const p = new URLSearchParams();
  if (opts.node) p.set('node', opts.node);
  if (opts.aggregation) p.set('aggregation', opts.aggregation);
  if (opts.interval) p.set('interval', String(opts.interval));
  if (opts.perNode) p.set('perNode', 'true');
  return p.toString();
}

/**
 * Merges a live update (same shape as the metrics answer, usually only the newest samples) into what is shown:
 * per metric and series label, samples after the last known time are appended; unknown metrics and series are added.
 */
export function mergeLiveMetrics(current: MetricsResponse, update: Partial<MetricsResponse>): MetricsResponse {
  if (!update.metrics?.length) return current;
  const metrics = current.metrics.map((m) => ({ ...m, series: m.series.map((s) => ({ ...s })) }));
  for (const um of update.metrics) {
    const target = metrics.find((m) => m.name === um.name);
    if (!target) {
      metrics.push(um);
      continue;
    }
    if (um.peak !== undefined && um.peak !== null) target.peak = um.peak;
    target.band = mergeBand(target.band, um.band);
    for (const us of um.series ?? []) {
      const s = target.series.find((x) => x.label === us.label);
      if (!s) {
        target.series.push({ ...us });
        continue;
      }
      const times = [...s.times];
      const values = [...s.values];
      // The server sends the last windows again (they were incomplete): replace those points, append newer ones.
      us.times.forEach((t, i) => {
        const v = us.values[i] ?? null;
        if (!times.length || t > times[times.length - 1]) {
          times.push(t);
          values.push(v);
          return;
        }
        for (let k = times.length - 1; k >= 0 && times[k] >= t; k--) {
          if (times[k] === t) {
            values[k] = v;
            return;
          }
        }
      });
      s.times = times;
      s.values = values;
    }
  }
  return { ...current, to: update.to ?? current.to, metrics };
}

/** Whether a metric has at least one sample (any series, any non-null value). */
export function hasData(m: Metric): boolean {
  return m.series.some((s) => s.values.some((v) => v !== null && v !== undefined));
}

export const OTHER_CATEGORY = 'Other';

/**
 * Groups the job page's metrics by their catalogue category (the metric's first category; "Other" when it has none
 * or is not in the catalogue). Groups keep the order in which their first metric appears, "Other" comes last.
 * Metrics without any sample are not grouped but listed in noData.
 */
export function groupMetrics(
  metrics: Metric[],
  catalogue: Pick<CatalogueMetric, 'name' | 'categories'>[] | undefined,
): { groups: { category: string; metrics: Metric[] }[]; noData: Metric[] } {
  const categoryOf = new Map((catalogue ?? []).map((c) => [c.name, c.categories.find((x) => x.trim() !== '')?.trim()]));
  const groups = new Map<string, Metric[]>();
  const noData: Metric[] = [];
  for (const m of metrics) {
    if (!hasData(m)) {
      noData.push(m);
      continue;
    }
    const cat = categoryOf.get(m.name) || OTHER_CATEGORY;
    const list = groups.get(cat);
    if (list) list.push(m);
    else groups.set(cat, [m]);
  }
  const ordered = [...groups.entries()].map(([category, ms]) => ({ category, metrics: ms }));
  ordered.sort((a, b) => Number(a.category === OTHER_CATEGORY) - Number(b.category === OTHER_CATEGORY));
  return { groups: ordered, noData };
}

/** One across-node quantile line of a chart: "q25" → 25th pct (dashed), "q50" → median (solid). */
export interface QuantileLine {
  key: string;
  label: string;
  dashed: boolean;
  values: (number | null)[];
}

/**
 * The quantile lines of a metric's bands (the API's `quantiles.bands`, keyed "q" + percent), lowest first.
 * Keys that are not "q<percent>" and bands whose length differs from `times` are left out rather than drawn wrong.
 */
export function quantileLines(q: QuantileBands | null | undefined): QuantileLine[] {
  if (!q || !Array.isArray(q.times) || q.times.length === 0 || !q.bands) return [];
  const lines: (QuantileLine & { percent: number })[] = [];
  for (const [key, values] of Object.entries(q.bands)) {
    const m = /^q(\d+(?:\.\d+)?)$/.exec(key);
    if (!m || !Array.isArray(values) || values.length !== q.times.length) continue;
    const percent = Number(m[1]);
    lines.push({ key, percent, label: percent === 50 ? 'median' : `${m[1]}th pct`, dashed: percent !== 50, values });
  }
  lines.sort((a, b) => a.percent - b.percent);
  return lines.map(({ percent: _percent, ...line }) => line);
}
