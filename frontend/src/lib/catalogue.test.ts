import { describe, expect, it } from 'vitest';
import type { CatalogueMetric, CataloguePartition } from '../api/types';
import {
  emptyMetricForm, formToMetricBody, formToPartitionBody, formToSettingsBody, metricToForm, otherErrors, partitionToForm, settingsToForm,
} from './catalogue';

const cpu: CatalogueMetric = {
  name: 'cpu_load', displayName: 'CPU load', measurement: 'cpu_load', unit: '', scope: 'node',
  filters: [{ key: 'type', op: 'equals', value: 'node' }], isCounter: false, defaultAggregation: 'mean',
  aggregations: ['max', 'sum', 'mean'], peakPerNode: 76, peakPerDevice: null, categories: ['CPU', 'Load'],
};

describe('metric form', () => {
  it('round-trips a metric through the form to the PUT body', () => {
    const form = metricToForm(cpu);
    expect(form.peakPerNode).toBe('76');
    expect(form.peakPerDevice).toBe('');
    expect(form.categories).toBe('CPU, Load');
    expect(form.aggregations).toEqual(['sum', 'mean', 'max']);
    const { name, body, errors } = formToMetricBody(form, false);
    expect(errors).toEqual({});
    expect(name).toBe('cpu_load');
    const { name: _n, ...rest } = cpu;
    expect(body).toEqual({ ...rest, aggregations: ['sum', 'mean', 'max'], nodeRows: null, scale: 1, sourceUnit: null, scopeTag: null });
  });
  it('keeps the collector fields (node rows, scale, source unit, type tag) when a metric is saved', () => {
    const mem: CatalogueMetric = { ...cpu, name: 'cpu_user', scope: 'hwthread', nodeRows: 'sum', scale: 1024, sourceUnit: 'kB', scopeTag: 'cpu' };
    const { body, errors } = formToMetricBody(metricToForm(mem), false);
    expect(errors).toEqual({});
    expect([body.nodeRows, body.scale, body.sourceUnit, body.scopeTag]).toEqual(['sum', 1024, 'kB', 'cpu']);
    expect(formToMetricBody({ ...metricToForm(mem), scale: '0', nodeRows: 'min' }, false).errors).toHaveProperty('scale');
    expect(Object.keys(formToMetricBody({ ...metricToForm(mem), nodeRows: 'min' }, false).errors)).toEqual(['nodeRows']);
  });
  it('trims and parses the typed values', () => {
    const f = { ...emptyMetricForm(), name: ' gpu_mem ', displayName: ' GPU memory ', unit: 'GB', peakPerNode: ' 320 ', categories: 'GPU, , GPU,Mem' };
    const { name, body, errors } = formToMetricBody(f, true);
    expect(errors).toEqual({});
    expect(name).toBe('gpu_mem');
    expect(body.displayName).toBe('GPU memory');
    expect(body.measurement).toBe('gpu_mem'); // defaults to the name
    expect(body.peakPerNode).toBe(320);
    expect(body.peakPerDevice).toBeNull();
    expect(body.categories).toEqual(['GPU', 'Mem']);
  });
  it('finds errors with the server’s field names', () => {
    const f = {
      ...metricToForm(cpu), displayName: ' ', peakPerNode: '-1', aggregations: ['sum' as const], defaultAggregation: 'mean' as const,
      filters: [{ key: 'hostname', op: 'equals' as const, value: 'x' }, { key: 'ok', op: 'matches' as const, value: '([' }],
    };
    const { errors } = formToMetricBody(f, false);
    expect(Object.keys(errors).sort()).toEqual(['defaultAggregation', 'displayName', 'filters[0].key', 'filters[1].value', 'peakPerNode']);
    expect(formToMetricBody({ ...emptyMetricForm(), name: 'bad name', displayName: 'x' }, true).errors.name).toBeDefined();
    expect(formToMetricBody({ ...metricToForm(cpu), aggregations: [] }, false).errors.aggregations).toBeDefined();
  });
  it('separates errors no field shows', () => {
    expect(otherErrors({ displayName: ['x'], body: ['y'] }, (k) => k === 'displayName')).toEqual({ body: ['y'] });
  });
});

describe('partition form', () => {
  const p: CataloguePartition = {
    name: 'gpu', cluster: 'hk', maxTime: 172800, metrics: ['cpu_load'],
    virtualPartitions: [{ name: 'a100', nodes: 'hkn[0001-0004]', maxTime: null, metrics: ['cpu_load'] }],
  };
  it('shows MaxTime as d-hh:mm:ss and maps back to seconds', () => {
    const form = partitionToForm(p);
    expect(form.maxTime).toBe('2-00:00:00');
    expect(form.virtualPartitions[0].maxTime).toBe('');
    const r = formToPartitionBody({ ...form, maxTime: '24' }, ['cpu_load']);
    expect(r.errors).toEqual({});
    expect(r.name).toBe('gpu');
    expect(r.cluster).toBe('hk');
    expect(r.body).toEqual({ maxTime: 86400, metrics: ['cpu_load'], virtualPartitions: [{ name: 'a100', nodes: 'hkn[0001-0004]', maxTime: null, metrics: ['cpu_load'] }] });
  });
  it('sends the peaks back as they came', () => {
    const peaks = { cpu_load: { perNode: 128, perDevice: null } };
    const r = formToPartitionBody(partitionToForm({ ...p, peaks, virtualPartitions: [{ ...p.virtualPartitions[0], peaks }] }), ['cpu_load']);
    expect(r.body.peaks).toEqual(peaks);
    expect(r.body.virtualPartitions[0].peaks).toEqual(peaks);
  });
  it('validates hostlists, MaxTime and metric names', () => {
    const form = partitionToForm(p);
    form.maxTime = 'soon';
    form.virtualPartitions[0].nodes = 'hkn[4-1]';
    form.virtualPartitions.push({ name: 'a100', nodes: '', maxTime: '1-00', metrics: ['nope'] });
    const { errors, body } = formToPartitionBody(form, ['cpu_load']);
    expect(Object.keys(errors).sort()).toEqual([
      'maxTime', 'virtualPartitions[0].nodes', 'virtualPartitions[1].metrics', 'virtualPartitions[1].name', 'virtualPartitions[1].nodes',
    ]);
    expect(errors['virtualPartitions[0].nodes'][0]).toMatch(/backwards/);
    expect(body.virtualPartitions[1].maxTime).toBe(86400);
  });
  it('empty cluster means every cluster', () => {
    const r = formToPartitionBody({ name: 'main', cluster: '', maxTime: '', metrics: [], virtualPartitions: [] }, []);
    expect(r.errors).toEqual({});
    expect(r.cluster).toBe('');
    expect(r.body.maxTime).toBeNull();
  });
});

describe('settings form', () => {
  it('maps quantiles and interval', () => {
    const f = settingsToForm({ collectorIntervalSeconds: 30, quantiles: [0.25, 0.5, 0.75], radarMetrics: ['cpu_load'] });
    expect(f.quantiles).toBe('0.25, 0.5, 0.75');
    const r = formToSettingsBody({ ...f, quantiles: '0.9, 0.1' });
    expect(r.errors).toEqual({});
    expect(r.body).toEqual({ collectorIntervalSeconds: 30, quantiles: [0.1, 0.9], radarMetrics: ['cpu_load'] });
    expect(Object.keys(formToSettingsBody({ ...f, collectorIntervalSeconds: '0', quantiles: '1.5' }).errors).sort()).toEqual(['collectorIntervalSeconds', 'quantiles']);
  });
});
