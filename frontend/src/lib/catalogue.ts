import {
  AGGREGATIONS, METRIC_SCOPES, TAG_OPS,
  type CatalogueMetric, type CatalogueMetricBody, type CataloguePartition, type CataloguePartitionBody, type MetricAggregation,
  type MetricPeak, type MetricScope, type TagOp,
} from '../api/types';
import { formatMaxTime, parseMaxTime } from './maxtime';
import { tryExpandHostlist } from './hostlist';

// The catalogue editor's forms hold what people type (strings); these map them to and from the API's JSON and check
// what can be checked here. The server validates again; its field errors ("filters[0].value") are keyed the same way.

export type FieldErrors = Record<string, string[]>;

export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
const TAG_KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export interface FilterForm {
  key: string;
  op: TagOp;
  value: string;
}

export interface MetricForm {
  name: string;
  displayName: string;
  measurement: string;
  unit: string;
  scope: MetricScope;
  filters: FilterForm[];
  isCounter: boolean;
  defaultAggregation: MetricAggregation;
  aggregations: MetricAggregation[];
  peakPerNode: string;
  peakPerDevice: string;
  /** Comma-separated. */
  categories: string;
  /** '' = the collector sends no node rows for this metric. */
  nodeRows: MetricAggregation | '';
  scale: string;
  sourceUnit: string;
  scopeTag: string;
}

export function emptyMetricForm(): MetricForm {
  return {
    name: '', displayName: '', measurement: '', unit: '', scope: 'node', filters: [], isCounter: false,
    defaultAggregation: 'mean', aggregations: [...AGGREGATIONS], peakPerNode: '', peakPerDevice: '', categories: '',
    nodeRows: '', scale: '1', sourceUnit: '', scopeTag: '',
  };
}

const numberText = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));

export function metricToForm(m: CatalogueMetric): MetricForm {
  return {
    name: m.name,
    displayName: m.displayName,
    measurement: m.measurement,
    unit: m.unit,
    scope: m.scope,
    filters: m.filters.map((f) => ({ key: f.key, op: f.op, value: f.value })),
    isCounter: m.isCounter,
    defaultAggregation: m.defaultAggregation,
    aggregations: AGGREGATIONS.filter((a) => m.aggregations.includes(a)),
    peakPerNode: numberText(m.peakPerNode),
    peakPerDevice: numberText(m.peakPerDevice),
    categories: m.categories.join(', '),
    nodeRows: m.nodeRows ?? '',
    scale: numberText(m.scale ?? 1),
    sourceUnit: m.sourceUnit ?? '',
    scopeTag: m.scopeTag ?? '',
  };
}

function addError(errors: FieldErrors, field: string, message: string) {
  (errors[field] ??= []).push(message);
}

function parsePeak(text: string, field: string, errors: FieldErrors): number | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) {
    addError(errors, field, 'must be a positive number (or empty).');
    return null;
  }
  return n;
}

export function splitList(text: string): string[] {
  return [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
}

/** Form → PUT body, with the errors found here (same keys as the server's). */
export function formToMetricBody(f: MetricForm, isNew: boolean): { name: string; body: CatalogueMetricBody; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = f.name.trim();
  if (isNew && !NAME_PATTERN.test(name)) addError(errors, 'name', 'must be 1-128 letters, digits or _ . : - (e.g. load_one).');
  const displayName = f.displayName.trim();
  if (!displayName) addError(errors, 'displayName', 'is required.');
  else if (displayName.length > 128) addError(errors, 'displayName', 'must be at most 128 characters.');
  const measurement = f.measurement.trim() || name;
  if (!measurement) addError(errors, 'measurement', 'is required.');
  const unit = f.unit.trim();
  if (unit.length > 32) addError(errors, 'unit', 'must be at most 32 characters.');
  if (!(METRIC_SCOPES as readonly string[]).includes(f.scope)) addError(errors, 'scope', 'choose a scope.');
  if (f.filters.length > 10) addError(errors, 'filters', 'at most 10 tag filters.');
  const filters = f.filters.map((x, i) => {
    const key = x.key.trim();
    if (!TAG_KEY_PATTERN.test(key)) addError(errors, `filters[${i}].key`, 'must be a tag name.');
    else if (key === 'hostname' || key === 'time') addError(errors, `filters[${i}].key`, 'hostname and time are set by Jobmon per job.');
    if (!(TAG_OPS as readonly string[]).includes(x.op)) addError(errors, `filters[${i}].op`, 'choose an operator.');
    if (x.op === 'matches') {
      try {
        new RegExp(x.value);
      } catch {
        addError(errors, `filters[${i}].value`, 'is not a valid regular expression.');
      }
    }
    return { key, op: x.op, value: x.value };
  });
  const aggregations = AGGREGATIONS.filter((a) => f.aggregations.includes(a));
  if (aggregations.length === 0) addError(errors, 'aggregations', 'offer at least one aggregation.');
  else if (!aggregations.includes(f.defaultAggregation)) addError(errors, 'defaultAggregation', 'must be one of the offered aggregations.');
  const peakPerNode = parsePeak(f.peakPerNode, 'peakPerNode', errors);
  const peakPerDevice = parsePeak(f.peakPerDevice, 'peakPerDevice', errors);
  const categories = splitList(f.categories);
  if (categories.length > 10 || categories.some((c) => c.length > 64)) addError(errors, 'categories', 'at most 10 categories of 1-64 characters.');
  const nodeRows = f.nodeRows === '' ? null : f.nodeRows;
  if (nodeRows && !aggregations.includes(nodeRows)) addError(errors, 'nodeRows', 'must be one of the offered aggregations.');
  const scale = f.scale.trim() === '' ? 1 : Number(f.scale.trim());
  if (!Number.isFinite(scale) || scale <= 0) addError(errors, 'scale', "must be a positive number (the factor from the collector's unit to the unit).");
  const sourceUnit = f.sourceUnit.trim();
  if (sourceUnit.length > 32) addError(errors, 'sourceUnit', 'must be at most 32 characters.');
  const scopeTag = f.scopeTag.trim();
  if (scopeTag.length > 64) addError(errors, 'scopeTag', 'must be a type tag value of 1-64 characters.');
  return {
    name,
    body: {
      displayName, measurement, unit, scope: f.scope, filters, isCounter: f.isCounter, defaultAggregation: f.defaultAggregation,
      aggregations, peakPerNode, peakPerDevice, categories, nodeRows, scale, sourceUnit: sourceUnit || null, scopeTag: scopeTag || null,
    },
    errors,
  };
}

// ------------------------------------------------------------------ partitions

export interface VirtualPartitionForm {
  name: string;
  nodes: string;
  maxTime: string;
  metrics: string[];
  /** Kept as the server has them (set through the API). */
  peaks?: Record<string, MetricPeak> | null;
}

export interface PartitionForm {
  name: string;
  cluster: string;
  maxTime: string;
  metrics: string[];
  virtualPartitions: VirtualPartitionForm[];
  /** Kept as the server has them (set through the API). */
  peaks?: Record<string, MetricPeak> | null;
}

export function emptyPartitionForm(): PartitionForm {
  return { name: '', cluster: '', maxTime: '', metrics: [], virtualPartitions: [] };
}

export function emptyVirtualPartitionForm(): VirtualPartitionForm {
  return { name: '', nodes: '', maxTime: '', metrics: [] };
}

export function partitionToForm(p: CataloguePartition): PartitionForm {
  return {
    name: p.name,
    cluster: p.cluster,
    maxTime: formatMaxTime(p.maxTime),
    metrics: [...p.metrics],
    virtualPartitions: p.virtualPartitions.map((v) => ({ name: v.name, nodes: v.nodes, maxTime: formatMaxTime(v.maxTime), metrics: [...v.metrics], peaks: v.peaks ?? null })),
    peaks: p.peaks ?? null,
  };
}

const MAX_TIME_HINT = 'd-hh:mm:ss, or hours (e.g. 2-00:00:00 or 48)';

export function formToPartitionBody(
  f: PartitionForm,
  knownMetrics: string[],
): { name: string; cluster: string; body: CataloguePartitionBody; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const known = new Set(knownMetrics);
  const name = f.name.trim();
  const cluster = f.cluster.trim();
  if (!NAME_PATTERN.test(name)) addError(errors, 'name', 'must be a partition name.');
  if (cluster && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(cluster)) addError(errors, 'cluster', 'must be a cluster name or empty (every cluster).');
  const maxTime = parseMaxTime(f.maxTime);
  if (maxTime === undefined) addError(errors, 'maxTime', MAX_TIME_HINT);
  for (const m of f.metrics) if (!known.has(m)) addError(errors, 'metrics', `unknown metric '${m}'.`);
  const names = new Set<string>();
  const virtualPartitions = f.virtualPartitions.map((v, i) => {
    const vName = v.name.trim();
    if (!NAME_PATTERN.test(vName)) addError(errors, `virtualPartitions[${i}].name`, 'must be a partition name.');
    else if (names.has(vName)) addError(errors, `virtualPartitions[${i}].name`, 'is used twice.');
    names.add(vName);
    const nodes = v.nodes.trim();
    const expanded = tryExpandHostlist(nodes);
    if (expanded.error !== undefined) addError(errors, `virtualPartitions[${i}].nodes`, `is not a valid SLURM hostlist: ${expanded.error}`);
    else if (expanded.hosts.length === 0) addError(errors, `virtualPartitions[${i}].nodes`, 'must name at least one node.');
    const vMax = parseMaxTime(v.maxTime);
    if (vMax === undefined) addError(errors, `virtualPartitions[${i}].maxTime`, MAX_TIME_HINT);
    for (const m of v.metrics) if (!known.has(m)) addError(errors, `virtualPartitions[${i}].metrics`, `unknown metric '${m}'.`);
    return { name: vName, nodes, maxTime: vMax ?? null, metrics: [...v.metrics], ...(v.peaks ? { peaks: v.peaks } : {}) };
  });
  // Peaks are not edited here; they are sent back as they came so saving the form keeps them.
  return { name, cluster, body: { maxTime: maxTime ?? null, metrics: [...f.metrics], virtualPartitions, ...(f.peaks ? { peaks: f.peaks } : {}) }, errors };
}

// ------------------------------------------------------------------ settings

export interface SettingsForm {
  collectorIntervalSeconds: string;
  quantiles: string;
  radarMetrics: string[];
}

export function settingsToForm(s: { collectorIntervalSeconds: number; quantiles: number[]; radarMetrics: string[] }): SettingsForm {
  return { collectorIntervalSeconds: String(s.collectorIntervalSeconds), quantiles: s.quantiles.join(', '), radarMetrics: [...s.radarMetrics] };
}

export function formToSettingsBody(f: SettingsForm): {
  body: { collectorIntervalSeconds: number; quantiles: number[]; radarMetrics: string[] };
  errors: FieldErrors;
} {
  const errors: FieldErrors = {};
  const interval = Number(f.collectorIntervalSeconds.trim());
  if (!/^\d+$/.test(f.collectorIntervalSeconds.trim()) || interval < 1 || interval > 3600) {
    addError(errors, 'collectorIntervalSeconds', 'must be a whole number of seconds between 1 and 3600.');
  }
  const parts = f.quantiles.split(',').map((s) => s.trim()).filter(Boolean);
  const quantiles = parts.map(Number);
  if (quantiles.length === 0 || quantiles.length > 9 || quantiles.some((q) => !Number.isFinite(q) || q <= 0 || q >= 1)) {
    addError(errors, 'quantiles', '1-9 values strictly between 0 and 1, e.g. 0.25, 0.5, 0.75.');
  }
  return { body: { collectorIntervalSeconds: interval, quantiles: [...quantiles].sort((a, b) => a - b), radarMetrics: [...f.radarMetrics] }, errors };
}

/** Server field errors that belong to none of the given fields (shown together below the form). */
export function otherErrors(errors: FieldErrors | undefined, shown: (field: string) => boolean): FieldErrors {
  const rest: FieldErrors = {};
  for (const [k, v] of Object.entries(errors ?? {})) if (!shown(k)) rest[k] = v;
  return rest;
}
