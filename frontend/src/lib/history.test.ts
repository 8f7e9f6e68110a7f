import { describe, expect, it } from 'vitest';
import { describeEvent } from './history';

describe('describeEvent', () => {
  it('summarises job-end statistics with units and keeps per-node values in a table', () => {
    const view = describeEvent(
      {
        type: 'job_metric_statistics_recorded',
        data: {
          interval: 60,
          trigger: 'job-end',
          metrics: {
            mem_used: { unit: 'B', mean: 12_345_678_901.234567, min: 1, max: 2e10, robustMax: 1.9e10, nodes: {
              n2: { mean: 1.5e9, min: 1e9, max: 2e9, robustMax: 1.9e9, samples: 10 },
              n1: { mean: 2.5e9, min: 2e9, max: 3e9, robustMax: 2.9e9, samples: 12 },
            } },
            load_one: { unit: '', mean: 42.123456789012, min: 40, max: 44, robustMax: 43, nodes: {} },
          },
        },
      },
      { load_one: 'CPU load' },
    );
    // 12,345,678,901 B = 11.5 GiB (binary for bytes); 42.12 → 3 significant digits.
    expect(view.summary).toBe('Job-end statistics of 2 metrics on 2 nodes (windows of 60 s): mean CPU load 42.1, mem_used 11.5 GiB');
    expect(view.tables[1].rows).toEqual([
      ['mem_used', 'n1', '2.33 GiB', '1.86 GiB', '2.79 GiB', '2.70 GiB', '12'],
      ['mem_used', 'n2', '1.40 GiB', '954 MiB', '1.86 GiB', '1.77 GiB', '10'],
    ]);
  });

  it('names findings, recompute requests and scheduler resources', () => {
    expect(describeEvent({ type: 'job_classified', data: { findings: [{ tag: 'idle-gpus', reason: 'GPU use 1.5 %' }] } }).summary).toBe(
      'Classified at job end: idle-gpus (GPU use 1.5 %)',
    );
    expect(describeEvent({ type: 'job_classified', data: { findings: [] } }).summary).toBe('Classified at job end: no findings');
    expect(describeEvent({ type: 'job_statistics_recompute_requested', data: {} }).summary).toBe(
      'Statistics, archive and findings to be computed again',
    );
    const details = describeEvent({
      type: 'job_scheduler_details_reported',
      data: { details: { walltimeSeconds: 7200, smt: 2, shared: 'none', resources: [{ hostname: 'n1', hwthreads: [0, 1, 2, 3], accelerators: ['0'] }] } },
    });
    expect(details.summary).toBe('Scheduler details: walltime 120 min, SMT 2; 1 node resource');
    expect(details.tables[0].rows).toEqual([['n1', '4', '0']]);
  });
});
