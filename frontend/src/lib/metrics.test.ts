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

import { groupMetrics } from './metrics';
import type { Metric } from '../api/types';

describe('groupMetrics', () => {
  const m = (name: string, values: (number | null)[]): Metric => ({
    name, displayName: name.toUpperCase(), unit: '', category: '', scope: 'node', peak: null,
    series: values.length ? [{ label: 'n1', times: values.map((_, i) => i), values }] : [],
  });
  it('groups by the first catalogue category, Other last, and collects metrics without data', () => {
    const r = groupMetrics(
      [m('x', [1]), m('cpu', [1, 2]), m('gpu_power', [null, null]), m('mem', [3]), m('ipc', [null, 4]), m('none', [])],
      [
        { name: 'cpu', categories: ['CPU', 'Load'] },
        { name: 'ipc', categories: ['CPU'] },
        { name: 'mem', categories: ['Memory'] },
        { name: 'gpu_power', categories: ['GPU'] },
        { name: 'x', categories: [] },
      ],
    );
    expect(r.groups.map((g) => [g.category, g.metrics.map((x) => x.name)])).toEqual([
      ['CPU', ['cpu', 'ipc']],
      ['Memory', ['mem']],
      ['Other', ['x']],
    ]);
    expect(r.noData.map((x) => x.name)).toEqual(['gpu_power', 'none']);
  });
  it('puts everything in Other without a catalogue', () => {
    expect(groupMetrics([m('a', [1])], undefined).groups).toEqual([{ category: 'Other', metrics: [expect.objectContaining({ name: 'a' })] }]);
  });
});

describe('mergeLiveMetrics with repeated windows', () => {
  it('replaces the points of windows the server sends again and appends newer ones', () => {
    const base: MetricsResponse = {
      interval: 20, intervals: [20], from: 'a', to: 'b',
      metrics: [{ name: 'cpu_user', displayName: 'CPU', unit: '%', category: 'cpu', scope: 'hwthread', peak: 100,
        series: [{ label: 'hwthread 0', times: [0, 20, 40], values: [50, 50, 30] }] }],
    };
    // The live feed re-sends the last (then incomplete) window 40 with its final value, and the next one.
    const merged = mergeLiveMetrics(base, {
      metrics: [{ name: 'cpu_user', displayName: 'CPU', unit: '%', category: 'cpu', scope: 'hwthread', peak: 100,
        series: [{ label: 'hwthread 0', times: [40, 60], values: [50, 80] }] }],
    });
    expect(merged.metrics[0].series[0]).toEqual({ label: 'hwthread 0', times: [0, 20, 40, 60], values: [50, 50, 50, 80] });
    expect(base.metrics[0].series[0].values).toEqual([50, 50, 30]);
  });
});
