import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS, histogramBars, NODES_BUCKETS, sumHistograms } from './histograms';

describe('histograms', () => {
  it('orders buckets as given and fills missing ones with 0', () => {
    const bars = histogramBars({ '>3d': 2, '<1m': 5, bogus: 9 }, DURATION_BUCKETS);
    expect(bars.map((b) => b.label)).toEqual(['<1m', '1-10m', '10m-1h', '1-6h', '6-24h', '1-3d', '>3d']);
    expect(bars.map((b) => b.value)).toEqual([5, 0, 0, 0, 0, 0, 2]);
    expect(histogramBars(undefined, NODES_BUCKETS).every((b) => b.value === 0)).toBe(true);
  });
  it('sums histograms, tolerating missing ones', () => {
    const s = sumHistograms([{ '1': 3, '2-4': 1 }, undefined, { '1': 2, '>256': 1 }], NODES_BUCKETS);
    expect(s).toEqual({ '1': 5, '2-4': 1, '5-16': 0, '17-64': 0, '65-256': 0, '>256': 1 });
  });
});
