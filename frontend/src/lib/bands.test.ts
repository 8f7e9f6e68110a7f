import { describe, expect, it } from 'vitest';
import { describeOutliers, mergeBand } from './bands';
import type { NodeBand } from '../api/types';

const band = (times: number[], v: number, outliers: NodeBand['outliers'] = []): NodeBand => ({
  nodes: 12,
  times,
  min: times.map(() => v - 1),
  median: times.map(() => v),
  max: times.map(() => v + 1),
  outliers,
});

describe('mergeBand', () => {
  it('appends only windows after the last shown one and takes the newest outliers', () => {
    const shown = band([1000, 2000], 40);
    const update = band([2000, 3000], 50, [{ node: 'r11', side: 'high', mean: 80, median: 40 }]);
    const merged = mergeBand(shown, update)!;
    expect(merged.times).toEqual([1000, 2000, 3000]);
    expect(merged.median).toEqual([40, 40, 50]);
    expect(merged.min).toEqual([39, 39, 49]);
    expect(merged.max).toEqual([41, 41, 51]);
    expect(describeOutliers(merged)).toBe('r11 (high)');
  });

  it('keeps the shown band when the update has none, and keeps earlier outliers when the update names none', () => {
    const shown = band([1000], 40, [{ node: 'r12', side: 'low', mean: 5, median: 40 }]);
    expect(mergeBand(shown, null)).toBe(shown);
    expect(describeOutliers(mergeBand(shown, band([2000], 40))!)).toBe('r12 (low)');
  });
});
