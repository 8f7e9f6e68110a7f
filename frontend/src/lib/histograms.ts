// Job-duration and node-count histograms of the summaries (GET /api/summaries/{users,groups,partitions}).

export const DURATION_BUCKETS = ['<1m', '1-10m', '10m-1h', '1-6h', '6-24h', '1-3d', '>3d'] as const;
export const NODES_BUCKETS = ['1', '2-4', '5-16', '17-64', '65-256', '>256'] as const;

export type Histogram = Partial<Record<string, number>>;

/** The histogram's buckets in the given order (missing buckets count 0; unknown buckets are ignored). */
export function histogramBars(h: Histogram | null | undefined, buckets: readonly string[]): { label: string; value: number }[] {
  return buckets.map((b) => {
    const v = h?.[b];
    return { label: b, value: typeof v === 'number' && Number.isFinite(v) ? v : 0 };
  });
}

/** Sum of several histograms (e.g. over the partitions' summaries: every job is in exactly one partition). */
export function sumHistograms(list: (Histogram | null | undefined)[], buckets: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(buckets.map((b) => [b, 0]));
  for (const h of list) for (const { label, value } of histogramBars(h, buckets)) out[label] += value;
  return out;
}
