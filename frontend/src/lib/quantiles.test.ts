import { describe, expect, it } from 'vitest';
import { quantileLines } from './metrics';

describe('quantileLines (the API sends quantiles.bands.q25, not quantiles.q25)', () => {
  it('turns the bands into lines, lowest quantile first, median solid', () => {
    const lines = quantileLines({ times: [1000, 2000], bands: { q75: [7, 8], q25: [1, 2], q50: [4, 5] } });
    expect(lines).toEqual([
      { key: 'q25', label: '25th pct', dashed: true, values: [1, 2] },
      { key: 'q50', label: 'median', dashed: false, values: [4, 5] },
      { key: 'q75', label: '75th pct', dashed: true, values: [7, 8] },
    ]);
  });
  it('follows the configured quantiles (0.1, 0.9, 0.995) and keeps gaps', () => {
    const lines = quantileLines({ times: [1], bands: { q90: [9], q10: [null], 'q99.5': [10] } });
    expect(lines.map((l) => [l.label, l.values[0]])).toEqual([['10th pct', null], ['90th pct', 9], ['99.5th pct', 10]]);
  });
  it('draws nothing for missing, empty or malformed bands', () => {
    expect(quantileLines(undefined)).toEqual([]);
    expect(quantileLines(null)).toEqual([]);
    expect(quantileLines({ times: [], bands: { q50: [] } })).toEqual([]);
    // The shape the old UI expected: no bands at all.
    expect(quantileLines({ times: [1], q25: [1] } as never)).toEqual([]);
    // A band with a length other than times, or a key that is not q<percent>.
    expect(quantileLines({ times: [1, 2], bands: { q50: [1], median: [1, 2] } })).toEqual([]);
  });
});
