import type { Catalogue, CatalogueMetric, MetricSummary } from '../api/types';

// The jobs list's compact footprint: a few metrics' job-end means as small bars, relative to the metric's node peak.

// The default catalogue's names (cc-metric-collector's: loadavg load_one, likwid mem_bw and flops_any, nvidia nv_util).
export const DEFAULT_FOOTPRINT_METRICS = ['load_one', 'mem_bw', 'flops_any', 'nv_util'] as const;
/** At most this many bars per job. */
export const MAX_FOOTPRINT_BARS = 6;

/** Which metrics: the catalogue's radar metrics when set, else the defaults; only metrics the catalogue knows. */
export function footprintMetricNames(catalogue: Pick<Catalogue, 'metrics' | 'radarMetrics'> | undefined): string[] {
  const known = new Set(catalogue?.metrics.map((m) => m.name) ?? []);
  const wanted = catalogue?.radarMetrics?.length ? catalogue.radarMetrics : [...DEFAULT_FOOTPRINT_METRICS];
  const names = catalogue ? wanted.filter((n) => known.has(n)) : wanted;
  return names.slice(0, MAX_FOOTPRINT_BARS);
}

export interface FootprintBar {
  name: string;
  label: string;
  unit: string;
  mean: number;
  peak: number | null;
  /** mean / peak, clamped to 0…1; null when the metric has no peak (no bar length to show). */
  fraction: number | null;
  /** mean above the peak (a wrong peak, or a counter): the bar is full and marked. */
  over: boolean;
}

/** The bars for one job; [] when it has no statistics (no footprint shown). Metrics without a mean are left out. */
export function footprintBars(
  statistics: Record<string, MetricSummary> | undefined | null,
  metrics: Pick<CatalogueMetric, 'name' | 'displayName' | 'unit' | 'peakPerNode'>[],
  names: string[],
): FootprintBar[] {
  if (!statistics) return [];
  const byName = new Map(metrics.map((m) => [m.name, m]));
  const bars: FootprintBar[] = [];
  for (const name of names) {
    const s = statistics[name];
    if (!s || s.mean === null || s.mean === undefined || !Number.isFinite(s.mean)) continue;
    const m = byName.get(name);
    // The peak recorded with the statistics is the job's partition's (mixed node types); older records have none.
    const recorded = s.peak ?? m?.peakPerNode;
    const peak = recorded && recorded > 0 ? recorded : null;
    const raw = peak ? s.mean / peak : null;
    bars.push({
      name,
      label: m?.displayName || name,
      unit: s.unit || m?.unit || '',
      mean: s.mean,
      peak,
      fraction: raw === null ? null : Math.min(1, Math.max(0, raw)),
      over: raw !== null && raw > 1,
    });
  }
  return bars;
}

/** Severity class of a fraction of the peak, for the bar's colour (text says the number too). */
export function footprintLevel(fraction: number | null): 'none' | 'low' | 'mid' | 'high' {
  if (fraction === null) return 'none';
  if (fraction < 0.2) return 'low';
  if (fraction < 0.6) return 'mid';
  return 'high';
}
