import { describe, expect, it } from 'vitest';
import { footprintBars, footprintLevel, footprintMetricNames } from './footprint';

const metrics = [
  { name: 'load_one', displayName: 'CPU load', unit: '', peakPerNode: 76 },
  { name: 'mem_bw', displayName: 'Memory bandwidth', unit: 'B/s', peakPerNode: 400e9 },
  { name: 'flops_any', displayName: 'FLOP rate', unit: 'FLOP/s', peakPerNode: null },
  { name: 'nv_util', displayName: 'GPU utilisation', unit: '%', peakPerNode: 100 },
];

describe('footprintMetricNames', () => {
  it('uses the radar metrics when set', () => {
    expect(footprintMetricNames({ metrics: metrics as never, radarMetrics: ['mem_bw', 'load_one'] })).toEqual(['mem_bw', 'load_one']);
  });
  it('falls back to the defaults, keeping only known metrics', () => {
    expect(footprintMetricNames({ metrics: metrics.slice(0, 2) as never, radarMetrics: [] })).toEqual(['load_one', 'mem_bw']);
  });
  it('without a catalogue: the defaults', () => {
    expect(footprintMetricNames(undefined)).toEqual(['load_one', 'mem_bw', 'flops_any', 'nv_util']);
  });
});

describe('footprintBars', () => {
  const names = ['load_one', 'mem_bw', 'flops_any', 'nv_util'];
  it('normalises the mean by the per-node peak', () => {
    const bars = footprintBars(
      { load_one: { unit: '', mean: 38, max: 70, robustMax: 60 }, mem_bw: { unit: 'B/s', mean: 100e9, max: null, robustMax: null } },
      metrics, names,
    );
    expect(bars.map((b) => [b.name, b.fraction])).toEqual([['load_one', 0.5], ['mem_bw', 0.25]]);
    expect(bars[0].label).toBe('CPU load');
  });
  it('prefers the peak recorded with the statistics (the job partition peak) over the catalogue peak', () => {
    // mem_bw: catalogue peak 400e9 (50 %), this partition's 200e9 → 100e9 / 200e9 = 0.5.
    const [bar] = footprintBars({ mem_bw: { unit: 'B/s', mean: 100e9, max: null, robustMax: null, peak: 200e9 } }, metrics, names);
    expect(bar.peak).toBe(200e9);
    expect(bar.fraction).toBe(0.5);
  });
  it('clamps above the peak and marks it', () => {
    const [bar] = footprintBars({ nv_util: { unit: '%', mean: 130, max: 130, robustMax: 130 } }, metrics, names);
    expect(bar.fraction).toBe(1);
    expect(bar.over).toBe(true);
    const [neg] = footprintBars({ nv_util: { unit: '%', mean: -3, max: 0, robustMax: 0 } }, metrics, names);
    expect(neg.fraction).toBe(0);
  });
  it('has no fraction without a peak', () => {
    const [bar] = footprintBars({ flops_any: { unit: 'FLOP/s', mean: 1e9, max: 2e9, robustMax: 2e9 } }, metrics, names);
    expect(bar.fraction).toBeNull();
    expect(bar.over).toBe(false);
  });
  it('no statistics → no bars; metrics without a mean are left out', () => {
    expect(footprintBars(undefined, metrics, names)).toEqual([]);
    expect(footprintBars({}, metrics, names)).toEqual([]);
    expect(footprintBars({ load_one: { unit: '', mean: null, max: null, robustMax: null } }, metrics, names)).toEqual([]);
  });
  it('levels', () => {
    expect(footprintLevel(null)).toBe('none');
    expect(footprintLevel(0.1)).toBe('low');
    expect(footprintLevel(0.5)).toBe('mid');
    expect(footprintLevel(0.9)).toBe('high');
  });
});
