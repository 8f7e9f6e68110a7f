import { describe, expect, it } from 'vitest';
import { metricsQuery } from './metrics';

describe('metricsQuery', () => {
  it('names only what is set', () => {
    expect(metricsQuery({})).toBe('');
    expect(metricsQuery({ node: 'hkn0001', aggregation: 'mean', interval: 300 })).toBe('node=hkn0001&aggregation=mean&interval=300');
    expect(metricsQuery({ aggregation: '', interval: null })).toBe('');
  });
});

import { mergeLiveMetrics } from './metrics';
import type { MetricsResponse } from '../api/types';

describe('mergeLiveMetrics', () => {
  const base: MetricsResponse = {
    interval: 60, intervals: [60], from: 'a', to: 'b',
    metrics: [{ name: 'cpu', displayName: 'CPU', unit: '%', category: 'cpu', scope: 'node', peak: 100,
      series: [{ label: 'n1', times: [1, 2], values: [10, 20] }] }],
  };
  it('appends newer samples only, adds new series and metrics, keeps the original', () => {
    const merged = mergeLiveMetrics(base, {
      to: 'c',
      metrics: [
        { name: 'cpu', displayName: 'CPU', unit: '%', category: 'cpu', scope: 'node', peak: 100,
          series: [{ label: 'n1', times: [2, 3], values: [20, 30] }, { label: 'n2', times: [3], values: [5] }] },
        { name: 'mem', displayName: 'Mem', unit: 'B', category: 'memory', scope: 'node', peak: null, series: [] },
      ],
    });
    expect(merged.to).toBe('c');
    expect(merged.metrics[0].series[0]).toEqual({ label: 'n1', times: [1, 2, 3], values: [10, 20, 30] });
    expect(merged.metrics[0].series[1].label).toBe('n2');
    expect(merged.metrics.map((m) => m.name)).toEqual(['cpu', 'mem']);
    expect(base.metrics[0].series[0].times).toEqual([1, 2]);
  });
  it('ignores empty updates', () => {
    expect(mergeLiveMetrics(base, {})).toBe(base);
  });
});
