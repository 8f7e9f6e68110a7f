import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client';
import { CATALOGUE_KEY, useCatalogue } from '../../api/catalogue';
import {
  AGGREGATIONS, METRIC_SCOPES, TAG_OPS,
  type Catalogue, type CatalogueMetric, type CataloguePartition, type ImportReport, type TagOp,
} from '../../api/types';
import { ConfirmButton, ErrorState, Field, fieldHint, Loading, SectionError } from '../../components/common';
import {
  emptyMetricForm, emptyPartitionForm, emptyVirtualPartitionForm, formToMetricBody, formToPartitionBody, formToSettingsBody,
  metricToForm, otherErrors, partitionToForm, settingsToForm,
  type FieldErrors, type MetricForm, type PartitionForm, type SettingsForm,
} from '../../lib/catalogue';
import { formatDateTime } from '../../lib/format';
import { tryExpandHostlist } from '../../lib/hostlist';
import { describeMaxTime, formatMaxTime, parseMaxTime } from '../../lib/maxtime';
import type { HistoryEvent } from '../../lib/jobs';

const SCOPE_LABEL: Record<string, string> = {
  node: 'node', socket: 'socket', core: 'core', hwthread: 'hardware thread', accelerator: 'accelerator (GPU)', memoryDomain: 'memory domain',
};
const OP_LABEL: Record<TagOp, string> = { equals: '=', notEquals: '≠', matches: '=~ (regex)' };

/** The server's field errors of a failed save (400), else nothing. */
function serverErrors(error: unknown): FieldErrors | undefined {
  return error instanceof ApiError && error.status === 400 ? error.problem.errors : undefined;
}

/** The end of an editor form: the server's errors no field shows, then save and cancel. */
function SaveAndCancel({ what, save, rest, onCancel, children }: {
  what: string; save: { isPending: boolean; isError: boolean; error: unknown }; rest: FieldErrors; onCancel: () => void; children?: ReactNode;
}) {
  return (
    <>
      {Object.keys(rest).length ? <ErrorState error={new ApiError(400, { title: `The server refused the ${what}`, errors: rest })} /> : null}
      {save.isError && !serverErrors(save.error) ? <ErrorState error={save.error} title={`Could not save the ${what}`} /> : null}
      {children}
      <div className="filter-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>{save.isPending ? 'Saving…' : `Save ${what}`}</button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>Cancel</button>
      </div>
    </>
  );
}

export function CatalogueEditor() {
  const catalogue = useCatalogue();
  if (catalogue.isPending) return <Loading label="Loading the metric catalogue…" />;
  if (catalogue.isError) return <SectionError error={catalogue.error} what="The metric catalogue" />;
  const c = catalogue.data;
  return (
    <>
      <MetricsPanel catalogue={c} />
      <PartitionsPanel catalogue={c} />
      <SettingsPanel catalogue={c} />
      <ImportPanel />
      <HistoryPanel version={c.version} />
    </>
  );
}

function useCatalogueRefresh() {
  const qc = useQueryClient();
  return () => {
    qc.invalidateQueries({ queryKey: CATALOGUE_KEY });
    qc.invalidateQueries({ queryKey: ['catalogue-history'] });
  };
}

// ---------------------------------------------------------------- metrics

function MetricsPanel({ catalogue }: { catalogue: Catalogue }) {
  const refresh = useCatalogueRefresh();
  /** null: no form; '': a new metric; else the name of the metric being edited. */
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: (name: string) => api<void>(`/api/admin/catalogue/metrics/${encodeURIComponent(name)}`, { method: 'DELETE' }),
    onSuccess: (_r, name) => {
      setSaved(`Metric ${name} deleted.`);
      if (editing === name) setEditing(null);
    },
    onSettled: refresh,
  });
  const editingMetric = editing ? catalogue.metrics.find((m) => m.name === editing) : undefined;
  return (
    <section className="card" aria-labelledby="metrics-cat-title">
      <div className="section-head">
        <h2 id="metrics-cat-title">Metrics</h2>
        <button type="button" className="btn" onClick={() => { setEditing(''); setSaved(null); }} disabled={editing === ''}>
          Add metric
        </button>
      </div>
      <p className="muted small">
        What Jobmon reads from InfluxDB for the job charts. Changes take effect at once and are recorded in the history below.
      </p>
      {saved ? <p className="success" role="status">{saved}</p> : null}
      {remove.isError ? <ErrorState error={remove.error} title="Could not delete the metric" /> : null}
      {editing !== null ? (
        <MetricEditor
          key={editing || '(new)'}
          metric={editingMetric}
          existing={catalogue.metrics.map((m) => m.name)}
          onCancel={() => setEditing(null)}
          onSaved={(name) => {
            setSaved(`Metric ${name} saved.`);
            setEditing(null);
            refresh();
          }}
        />
      ) : null}
      <div className="table-wrap">
        <table className="catalogue-table cards" aria-label="Metrics">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Display name</th>
              <th scope="col" className="col-opt">Unit</th>
              <th scope="col" className="col-opt">Scope</th>
              <th scope="col" className="col-opt">Default</th>
              <th scope="col" className="num col-opt">Peak / node</th>
              <th scope="col" className="col-opt">Categories</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {catalogue.metrics.map((m) => (
              <tr key={m.name} data-metric={m.name} className={editing === m.name ? 'editing' : undefined}>
                <td><code>{m.name}</code>{m.filters.length ? <span className="muted small" title={m.filters.map((f) => `${f.key} ${OP_LABEL[f.op]} ${f.value}`).join(', ')}> ({m.filters.length} filter{m.filters.length === 1 ? '' : 's'})</span> : null}</td>
                <td className="metric-display-name" data-label="Shown as">{m.displayName}</td>
                <td className="col-opt">{m.unit || <span className="muted">–</span>}</td>
                <td className="col-opt">{SCOPE_LABEL[m.scope] ?? m.scope}</td>
                <td className="col-opt">{m.defaultAggregation}{m.isCounter ? <span className="muted small"> · counter</span> : null}</td>
                <td className="num col-opt nowrap">{m.peakPerNode !== null ? `${m.peakPerNode.toLocaleString('en-US')}${m.unit ? ` ${m.unit}` : ''}` : <span className="muted">–</span>}</td>
                <td className="col-opt">{m.categories.join(', ')}</td>
                <td className="actions card-actions">
                  <button type="button" className="btn btn-small" onClick={() => { setEditing(m.name); setSaved(null); }} aria-label={`Edit ${m.name}`}>
                    Edit
                  </button>
                  <ConfirmButton label="Delete" confirmLabel={`Delete ${m.name}`} onConfirm={() => remove.mutate(m.name)} disabled={remove.isPending} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function MetricEditor({ metric, existing, onCancel, onSaved }: {
  metric: CatalogueMetric | undefined; existing: string[]; onCancel: () => void; onSaved: (name: string) => void;
}) {
  const isNew = !metric;
  const [form, setForm] = useState<MetricForm>(() => (metric ? metricToForm(metric) : emptyMetricForm()));
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const save = useMutation({
    mutationFn: ({ name, body }: ReturnType<typeof formToMetricBody>) =>
      api<CatalogueMetric>(`/api/admin/catalogue/metrics/${encodeURIComponent(name)}`, { method: 'PUT', body }),
    onSuccess: (m) => onSaved(m.name),
  });
  const errors: FieldErrors = { ...(serverErrors(save.error) ?? {}), ...clientErrors };
  const set = <K extends keyof MetricForm>(key: K, value: MetricForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = formToMetricBody(form, isNew);
    if (isNew && existing.includes(r.name)) (r.errors.name ??= []).push('a metric with this name exists; edit it instead.');
    setClientErrors(r.errors);
    if (Object.keys(r.errors).length === 0) save.mutate(r);
    else save.reset();
  };
  const setFilter = (i: number, change: Partial<MetricForm['filters'][number]>) =>
    set('filters', form.filters.map((f, j) => (j === i ? { ...f, ...change } : f)));
  const toggleAggregation = (a: (typeof AGGREGATIONS)[number]) =>
    set('aggregations', form.aggregations.includes(a) ? form.aggregations.filter((x) => x !== a) : AGGREGATIONS.filter((x) => x === a || form.aggregations.includes(x)));
  const inv = (key: string) => !!errors[key]?.length;
  const known = (k: string) =>
    ['name', 'displayName', 'measurement', 'unit', 'scope', 'filters', 'isCounter', 'defaultAggregation', 'aggregations', 'peakPerNode', 'peakPerDevice', 'categories', 'nodeRows', 'scale', 'sourceUnit', 'scopeTag'].includes(k) ||
    /^filters\[\d+\]\.(key|op|value)$/.test(k);
  const rest = otherErrors(serverErrors(save.error), known);
  const title = isNew ? 'New metric' : `Edit ${metric.name}`;
  return (
    <form className="editor" onSubmit={submit} aria-label={title} noValidate>
      <h3>{title}</h3>
      <div className="editor-grid">
        {isNew ? (
          <Field label="Name" hint={fieldHint(errors, 'name', 'the key used in the API and partitions, e.g. load_one')}>
            <input name="name" value={form.name} onChange={(e) => set('name', e.target.value)} aria-invalid={inv('name')} autoFocus required />
          </Field>
        ) : null}
        <Field label="Display name" hint={fieldHint(errors, 'displayName')}>
          <input name="displayName" value={form.displayName} onChange={(e) => set('displayName', e.target.value)} aria-invalid={inv('displayName')} required maxLength={128} />
        </Field>
        <Field label="Measurement" hint={fieldHint(errors, 'measurement', 'InfluxDB measurement; empty = the name')}>
          <input name="measurement" value={form.measurement} onChange={(e) => set('measurement', e.target.value)} aria-invalid={inv('measurement')} />
        </Field>
        <Field label="Unit" hint={fieldHint(errors, 'unit', 'e.g. B/s, FLOP/s, %, W')}>
          <input name="unit" value={form.unit} onChange={(e) => set('unit', e.target.value)} aria-invalid={inv('unit')} maxLength={32} className="short" />
        </Field>
        <Field label="Scope" hint={fieldHint(errors, 'scope')}>
          <select name="scope" value={form.scope} onChange={(e) => set('scope', e.target.value as MetricForm['scope'])} aria-invalid={inv('scope')}>
            {METRIC_SCOPES.map((s) => <option key={s} value={s}>{SCOPE_LABEL[s]}</option>)}
          </select>
        </Field>
        <Field label="Peak per node" hint={fieldHint(errors, 'peakPerNode', 'for the footprint and findings; empty = none')}>
          <input name="peakPerNode" inputMode="decimal" value={form.peakPerNode} onChange={(e) => set('peakPerNode', e.target.value)} aria-invalid={inv('peakPerNode')} />
        </Field>
        <Field label="Peak per device" hint={fieldHint(errors, 'peakPerDevice', 'socket, core or GPU')}>
          <input name="peakPerDevice" inputMode="decimal" value={form.peakPerDevice} onChange={(e) => set('peakPerDevice', e.target.value)} aria-invalid={inv('peakPerDevice')} />
        </Field>
        <Field label="Categories" hint={fieldHint(errors, 'categories', 'comma-separated, e.g. CPU, Energy')}>
          <input name="categories" value={form.categories} onChange={(e) => set('categories', e.target.value)} aria-invalid={inv('categories')} />
        </Field>
        <Field label="Collector's unit" hint={fieldHint(errors, 'sourceUnit', 'what the collector writes, e.g. kB')}>
          <input name="sourceUnit" value={form.sourceUnit} onChange={(e) => set('sourceUnit', e.target.value)} aria-invalid={inv('sourceUnit')} maxLength={32} className="short" />
        </Field>
        <Field label="Scale" hint={fieldHint(errors, 'scale', "collector's unit → unit, e.g. kB → B = 1024")}>
          <input name="scale" inputMode="decimal" value={form.scale} onChange={(e) => set('scale', e.target.value)} aria-invalid={inv('scale')} className="short" />
        </Field>
        <Field label="Node rows" hint={fieldHint(errors, 'nodeRows', 'the collector also writes type=node rows that are this aggregation of the devices')}>
          <select name="nodeRows" value={form.nodeRows} onChange={(e) => set('nodeRows', e.target.value as MetricForm['nodeRows'])} aria-invalid={inv('nodeRows')}>
            <option value="">none</option>
            {AGGREGATIONS.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </Field>
        <Field label="Type tag" hint={fieldHint(errors, 'scopeTag', "the device rows' type tag if not the scope's name; empty = usual")}>
          <input name="scopeTag" value={form.scopeTag} onChange={(e) => set('scopeTag', e.target.value)} aria-invalid={inv('scopeTag')} className="short" />
        </Field>
      </div>
      <div className="editor-row">
        <fieldset className="roles" aria-describedby="agg-hint">
          <legend className="field-label">Aggregations offered</legend>
          {AGGREGATIONS.map((a) => (
            <label key={a} className="check">
              <input type="checkbox" checked={form.aggregations.includes(a)} onChange={() => toggleAggregation(a)} /> {a}
            </label>
          ))}
          <span id="agg-hint">{fieldHint(errors, 'aggregations')}</span>
        </fieldset>
        <Field label="Default aggregation" hint={fieldHint(errors, 'defaultAggregation')}>
          <select name="defaultAggregation" value={form.defaultAggregation} onChange={(e) => set('defaultAggregation', e.target.value as MetricForm['defaultAggregation'])} aria-invalid={inv('defaultAggregation')}>
            {AGGREGATIONS.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </Field>
        <label className="check">
          <input type="checkbox" name="isCounter" checked={form.isCounter} onChange={(e) => set('isCounter', e.target.checked)} /> Counter (shown as a rate)
        </label>
      </div>
      <fieldset className="filters-editor">
        <legend className="field-label">Tag filters</legend>
        {form.filters.length === 0 ? <p className="muted small">None: every series of the measurement on the job's nodes.</p> : null}
        {form.filters.map((f, i) => (
          <div className="filter-item" key={i} data-filter-index={i}>
            <Field label={`Filter ${i + 1} tag`} hint={fieldHint(errors, `filters[${i}].key`)}>
              <input value={f.key} onChange={(e) => setFilter(i, { key: e.target.value })} aria-invalid={inv(`filters[${i}].key`)} placeholder="e.g. type" />
            </Field>
            <Field label={`Filter ${i + 1} operator`} hint={fieldHint(errors, `filters[${i}].op`)}>
              <select value={f.op} onChange={(e) => setFilter(i, { op: e.target.value as TagOp })}>
                {TAG_OPS.map((op) => <option key={op} value={op}>{OP_LABEL[op]}</option>)}
              </select>
            </Field>
            <Field label={`Filter ${i + 1} value`} hint={fieldHint(errors, `filters[${i}].value`)}>
              <input value={f.value} onChange={(e) => setFilter(i, { value: e.target.value })} aria-invalid={inv(`filters[${i}].value`)} />
            </Field>
            <button type="button" className="btn btn-small" onClick={() => set('filters', form.filters.filter((_, j) => j !== i))} aria-label={`Remove filter ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        {fieldHint(errors, 'filters')}
        <button type="button" className="btn btn-small" onClick={() => set('filters', [...form.filters, { key: '', op: 'equals', value: '' }])} disabled={form.filters.length >= 10}>
          Add filter
        </button>
      </fieldset>
      <SaveAndCancel what="metric" save={save} rest={rest} onCancel={onCancel}>
        {save.isError && serverErrors(save.error) ? <p className="form-error" role="alert">The server refused some fields; see the messages next to them.</p> : null}
      </SaveAndCancel>
    </form>
  );
}

// ---------------------------------------------------------------- partitions

function PartitionsPanel({ catalogue }: { catalogue: Catalogue }) {
  const refresh = useCatalogueRefresh();
  /** null: no form; '': new; else "cluster/name". */
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const keyOf = (p: CataloguePartition) => `${p.cluster}/${p.name}`;
  const remove = useMutation({
    mutationFn: (p: CataloguePartition) =>
      api<void>(`/api/admin/catalogue/partitions/${encodeURIComponent(p.name)}?cluster=${encodeURIComponent(p.cluster)}`, { method: 'DELETE' }),
    onSuccess: (_r, p) => setSaved(`Partition ${p.name} deleted.`),
    onSettled: refresh,
  });
  const editingPartition = editing ? catalogue.partitions.find((p) => keyOf(p) === editing) : undefined;
  return (
    <section className="card" aria-labelledby="partitions-title">
      <div className="section-head">
        <h2 id="partitions-title">Partitions</h2>
        <button type="button" className="btn" onClick={() => { setEditing(''); setSaved(null); }} disabled={editing === ''}>Add partition</button>
      </div>
      <p className="muted small">
        Which metrics a partition's jobs show and its MaxTime (jobs running longer are ended by the overtime sweeper). Partitions nobody
        configured show every metric; a partition with no metric selected shows none.
      </p>
      {saved ? <p className="success" role="status">{saved}</p> : null}
      {remove.isError ? <ErrorState error={remove.error} title="Could not delete the partition" /> : null}
      {editing !== null ? (
        <PartitionEditor
          key={editing || '(new)'}
          partition={editingPartition}
          catalogue={catalogue}
          onCancel={() => setEditing(null)}
          onSaved={(name) => {
            setSaved(`Partition ${name} saved.`);
            setEditing(null);
            refresh();
          }}
        />
      ) : null}
      {catalogue.partitions.length === 0 ? (
        <p className="muted">No partitions configured.</p>
      ) : (
        <div className="table-wrap">
          <table className="cards" aria-label="Partitions">
            <thead>
              <tr>
                <th scope="col">Partition</th>
                <th scope="col">Cluster</th>
                <th scope="col">MaxTime</th>
                <th scope="col" className="col-opt">Metrics</th>
                <th scope="col" className="col-opt">Virtual partitions</th>
                <th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {catalogue.partitions.map((p) => (
                <tr key={keyOf(p)} data-partition={keyOf(p)}>
                  <td>{p.name}</td>
                  <td data-label="Cluster">{p.cluster || <span className="muted">all clusters</span>}</td>
                  <td className="nowrap" data-label="MaxTime">{p.maxTime ? formatMaxTime(p.maxTime) : <span className="muted">none</span>}</td>
                  <td className="col-opt">{p.metrics.length ? `${p.metrics.length} of ${catalogue.metrics.length}` : <span className="muted">all</span>}</td>
                  <td className="col-opt">{p.virtualPartitions.map((v) => v.name).join(', ') || <span className="muted">–</span>}</td>
                  <td className="actions card-actions">
                    <button type="button" className="btn btn-small" onClick={() => { setEditing(keyOf(p)); setSaved(null); }} aria-label={`Edit partition ${p.name}${p.cluster ? ` on ${p.cluster}` : ''}`}>Edit</button>
                    <ConfirmButton label="Delete" confirmLabel={`Delete ${p.name}`} onConfirm={() => remove.mutate(p)} disabled={remove.isPending} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function MaxTimeHint({ text, errors, field }: { text: string; errors: FieldErrors; field: string }) {
  const err = fieldHint(errors, field);
  if (err) return <>{err}</>;
  const parsed = parseMaxTime(text);
  if (text.trim() === '') return <>d-hh:mm:ss or hours; empty = no limit</>;
  if (parsed === undefined) return <span className="form-error">d-hh:mm:ss or hours, e.g. 2-00:00:00 or 48</span>;
  return <>{describeMaxTime(parsed!)} ({formatMaxTime(parsed)})</>;
}

function MetricChecks({ all, selected, onChange, label, emptyMeans }: {
  all: CatalogueMetric[]; selected: string[]; onChange: (names: string[]) => void; label: string; emptyMeans: string;
}) {
  const toggle = (n: string) => onChange(selected.includes(n) ? selected.filter((x) => x !== n) : all.map((m) => m.name).filter((x) => x === n || selected.includes(x)));
  return (
    <fieldset className="metric-checks">
      <legend className="field-label">
        {label} <span className="muted">({selected.length ? `${selected.length} selected` : emptyMeans})</span>
      </legend>
      <div className="check-grid">
        {all.map((m) => (
          <label key={m.name} className="check" title={m.displayName}>
            <input type="checkbox" checked={selected.includes(m.name)} onChange={() => toggle(m.name)} /> {m.name}
          </label>
        ))}
      </div>
      <span className="small">
        <button type="button" className="link-button" onClick={() => onChange(all.map((m) => m.name))}>all</button>{' · '}
        <button type="button" className="link-button" onClick={() => onChange([])}>none</button>
      </span>
    </fieldset>
  );
}

function PartitionEditor({ partition, catalogue, onCancel, onSaved }: {
  partition: CataloguePartition | undefined; catalogue: Catalogue; onCancel: () => void; onSaved: (name: string) => void;
}) {
  const isNew = !partition;
  const [form, setForm] = useState<PartitionForm>(() => (partition ? partitionToForm(partition) : emptyPartitionForm()));
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const known = catalogue.metrics.map((m) => m.name);
  const save = useMutation({
    mutationFn: ({ name, cluster, body }: ReturnType<typeof formToPartitionBody>) =>
      api<CataloguePartition>(`/api/admin/catalogue/partitions/${encodeURIComponent(name)}?cluster=${encodeURIComponent(cluster)}`, { method: 'PUT', body }),
    onSuccess: (p) => onSaved(p.name),
  });
  const errors: FieldErrors = { ...(serverErrors(save.error) ?? {}), ...clientErrors };
  const set = <K extends keyof PartitionForm>(key: K, value: PartitionForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setVirtual = (i: number, change: Partial<PartitionForm['virtualPartitions'][number]>) =>
    set('virtualPartitions', form.virtualPartitions.map((v, j) => (j === i ? { ...v, ...change } : v)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = formToPartitionBody(form, known);
    if (isNew && catalogue.partitions.some((p) => p.name === r.name && p.cluster === r.cluster)) (r.errors.name ??= []).push('exists already; edit it instead.');
    setClientErrors(r.errors);
    if (Object.keys(r.errors).length === 0) save.mutate(r);
    else save.reset();
  };
  const inv = (key: string) => !!errors[key]?.length;
  const rest = otherErrors(serverErrors(save.error), (k) => ['name', 'cluster', 'maxTime', 'metrics'].includes(k) || /^virtualPartitions\[\d+\]\.(name|nodes|maxTime|metrics)$/.test(k));
  const title = isNew ? 'New partition' : `Edit partition ${partition.name}${partition.cluster ? ` (${partition.cluster})` : ''}`;
  return (
    <form className="editor" onSubmit={submit} aria-label={title} noValidate>
      <h3>{title}</h3>
      <div className="editor-grid">
        <Field label="Partition name" hint={fieldHint(errors, 'name', isNew ? 'as SLURM names it' : 'fixed; add a new partition to rename')}>
          <input name="partitionName" value={form.name} onChange={(e) => set('name', e.target.value)} aria-invalid={inv('name')} readOnly={!isNew} autoFocus={isNew} />
        </Field>
        <Field label="Cluster" hint={fieldHint(errors, 'cluster', isNew ? 'empty = every cluster' : 'fixed')}>
          <input name="partitionCluster" value={form.cluster} onChange={(e) => set('cluster', e.target.value)} aria-invalid={inv('cluster')} readOnly={!isNew} placeholder="all clusters" />
        </Field>
        <Field label="MaxTime" hint={<MaxTimeHint text={form.maxTime} errors={errors} field="maxTime" />}>
          <input name="maxTime" value={form.maxTime} onChange={(e) => set('maxTime', e.target.value)} aria-invalid={inv('maxTime') || parseMaxTime(form.maxTime) === undefined} placeholder="e.g. 2-00:00:00 or 48" />
        </Field>
      </div>
      <MetricChecks all={catalogue.metrics} selected={form.metrics} onChange={(m) => set('metrics', m)} label="Metrics" emptyMeans="none selected = no metric (as in the original)" />
      {fieldHint(errors, 'metrics')}
      <fieldset className="virtual-partitions">
        <legend className="field-label">Virtual partitions (a set of nodes with their own metrics and MaxTime)</legend>
        {form.virtualPartitions.map((v, i) => {
          const expanded = v.nodes.trim() ? tryExpandHostlist(v.nodes) : undefined;
          const nodesHint = fieldHint(errors, `virtualPartitions[${i}].nodes`,
            expanded === undefined ? 'SLURM hostlist, e.g. hkn[0001-0016,0020]'
              : expanded.error !== undefined ? <span className="form-error">{expanded.error}</span>
              : <span data-node-count={expanded.hosts.length}>{expanded.hosts.length} node{expanded.hosts.length === 1 ? '' : 's'}{expanded.hosts.length ? `: ${expanded.hosts.slice(0, 3).join(', ')}${expanded.hosts.length > 3 ? ' …' : ''}` : ''}</span>);
          return (
            <div className="virtual-item" key={i} data-virtual-index={i}>
              <div className="editor-grid">
                <Field label={`Virtual partition ${i + 1} name`} hint={fieldHint(errors, `virtualPartitions[${i}].name`)}>
                  <input value={v.name} onChange={(e) => setVirtual(i, { name: e.target.value })} aria-invalid={inv(`virtualPartitions[${i}].name`)} />
                </Field>
                <Field label={`Virtual partition ${i + 1} nodes`} hint={nodesHint}>
                  <input value={v.nodes} onChange={(e) => setVirtual(i, { nodes: e.target.value })} aria-invalid={inv(`virtualPartitions[${i}].nodes`) || !!expanded?.error} className="wide" />
                </Field>
                <Field label={`Virtual partition ${i + 1} MaxTime`} hint={<MaxTimeHint text={v.maxTime} errors={errors} field={`virtualPartitions[${i}].maxTime`} />}>
                  <input value={v.maxTime} onChange={(e) => setVirtual(i, { maxTime: e.target.value })} aria-invalid={inv(`virtualPartitions[${i}].maxTime`) || parseMaxTime(v.maxTime) === undefined} placeholder="the partition's" />
                </Field>
              </div>
              <MetricChecks all={catalogue.metrics} selected={v.metrics} onChange={(m) => setVirtual(i, { metrics: m })} label={`Virtual partition ${i + 1} metrics`} emptyMeans="none" />
              {fieldHint(errors, `virtualPartitions[${i}].metrics`)}
              <button type="button" className="btn btn-small" onClick={() => set('virtualPartitions', form.virtualPartitions.filter((_, j) => j !== i))}>
                Remove virtual partition {i + 1}
              </button>
            </div>
          );
        })}
        <button type="button" className="btn btn-small" onClick={() => set('virtualPartitions', [...form.virtualPartitions, emptyVirtualPartitionForm()])}>
          Add virtual partition
        </button>
      </fieldset>
      <SaveAndCancel what="partition" save={save} rest={rest} onCancel={onCancel} />
    </form>
  );
}

// ---------------------------------------------------------------- settings

function SettingsPanel({ catalogue }: { catalogue: Catalogue }) {
  const refresh = useCatalogueRefresh();
  const [form, setForm] = useState<SettingsForm>(() => settingsToForm(catalogue));
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState(false);
  const save = useMutation({
    mutationFn: (body: ReturnType<typeof formToSettingsBody>['body']) => api<void>('/api/admin/catalogue/settings', { method: 'PUT', body }),
    onSuccess: () => { setDone(true); refresh(); },
  });
  const errors = { ...(serverErrors(save.error) ?? {}), ...clientErrors };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    const r = formToSettingsBody(form);
    setClientErrors(r.errors);
    if (Object.keys(r.errors).length === 0) save.mutate(r.body);
  };
  return (
    <section className="card" aria-labelledby="cat-settings-title">
      <h2 id="cat-settings-title">Catalogue settings</h2>
      <form onSubmit={submit} aria-label="Catalogue settings" noValidate>
        <div className="editor-grid">
          <Field label="Collector interval (s)" hint={fieldHint(errors, 'collectorIntervalSeconds', 'how often cc-metric-collector samples')}>
            <input name="collectorInterval" inputMode="numeric" value={form.collectorIntervalSeconds} onChange={(e) => setForm({ ...form, collectorIntervalSeconds: e.target.value })} aria-invalid={!!errors.collectorIntervalSeconds} className="short" />
          </Field>
          <Field label="Quantiles" hint={fieldHint(errors, 'quantiles', 'comma-separated, between 0 and 1')}>
            <input name="quantiles" value={form.quantiles} onChange={(e) => setForm({ ...form, quantiles: e.target.value })} aria-invalid={!!errors.quantiles} />
          </Field>
        </div>
        <MetricChecks all={catalogue.metrics} selected={form.radarMetrics} onChange={(m) => setForm({ ...form, radarMetrics: m })} label="Radar / footprint metrics" emptyMeans="none: the jobs list uses load_one, mem_bw, flops_any, nv_util" />
        {fieldHint(errors, 'radarMetrics')}
        {save.isError && !serverErrors(save.error) ? <ErrorState error={save.error} title="Could not save the settings" /> : null}
        {done ? <p className="success" role="status">Settings saved.</p> : null}
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>Save settings</button>
        </div>
      </form>
    </section>
  );
}

// ---------------------------------------------------------------- import of the original config.json

function ImportPanel() {
  const refresh = useCatalogueRefresh();
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState('');
  const [report, setReport] = useState<{ text: string; report: ImportReport } | null>(null);
  const run = useMutation({
    mutationFn: async ({ dryRun, body }: { dryRun: boolean; body: string }) => {
      // The body is the file's text as it is (not re-encoded), so the server reports its own positions.
      const res = await fetch(`/api/admin/catalogue/import-original?dryRun=${dryRun}`, {
        method: 'POST', credentials: 'same-origin', body,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Jobmon-Csrf': '1' },
      });
      const answer = await res.text();
      let json: unknown;
      try { json = answer ? JSON.parse(answer) : undefined; } catch { json = undefined; }
      if (!res.ok) throw new ApiError(res.status, (json as object | undefined) ?? { title: `HTTP ${res.status}` });
      return json as ImportReport;
    },
    onSuccess: (r, v) => {
      setReport({ text: v.body, report: r });
      if (!r.dryRun) refresh();
    },
  });
  const checked = report && report.text === text && report.report.dryRun;
  const applied = report && !report.report.dryRun;
  return (
    <section className="card" aria-labelledby="import-title">
      <h2 id="import-title">Import the original config.json</h2>
      <p className="muted small">
        Metrics, partitions, metric categories, radar metrics and local users from the original JobMon's <code>config.json</code>. Check it
        first (nothing changes), then apply.
      </p>
      <div className="editor-grid">
        <Field label="config.json file">
          <input
            type="file"
            accept=".json,application/json"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              setFileName(file.name);
              setText(await file.text());
              setReport(null);
            }}
          />
        </Field>
      </div>
      <Field label="…or paste its text" hint={fileName ? `from ${fileName}` : undefined}>
        <textarea name="configJson" rows={6} value={text} onChange={(e) => { setText(e.target.value); setReport(null); }} className="mono" spellCheck={false} />
      </Field>
      <div className="filter-actions">
        <button type="button" className="btn" disabled={!text.trim() || run.isPending} onClick={() => run.mutate({ dryRun: true, body: text })}>
          {run.isPending && run.variables?.dryRun ? 'Checking…' : 'Check (dry run)'}
        </button>
        <button type="button" className="btn btn-primary" disabled={!checked || run.isPending} onClick={() => run.mutate({ dryRun: false, body: text })} title={checked ? undefined : 'Check it first'}>
          {run.isPending && !run.variables?.dryRun ? 'Importing…' : 'Apply import'}
        </button>
      </div>
      {run.isError ? <ErrorState error={run.error} title="The file could not be imported" /> : null}
      {report ? <ImportReportView report={report.report} /> : null}
      {applied ? <p className="success" role="status">Imported.</p> : null}
    </section>
  );
}

function ImportReportView({ report }: { report: ImportReport }) {
  const list = (title: string, items: string[]): ReactNode => (
    <div>
      <strong>{title}</strong> <span className="muted">({items.length})</span>
      {items.length ? <p className="small">{items.join(', ')}</p> : <p className="muted small">none</p>}
    </div>
  );
  return (
    <div className={`import-report ${report.dryRun ? 'dry' : 'applied'}`} role="status">
      <h3>{report.dryRun ? 'Dry run: this would be imported' : 'Imported'}</h3>
      <div className="editor-grid">
        {list('Metrics', report.metrics)}
        {list('Partitions', report.partitions)}
        {list('Accounts', report.accounts)}
      </div>
      {report.problems.length ? (
        <div className="notice">
          <strong>Problems ({report.problems.length})</strong>
          <ul>{report.problems.map((p, i) => <li key={i}>{p}</li>)}</ul>
        </div>
      ) : <p className="muted small">No problems found.</p>}
    </div>
  );
}

// ---------------------------------------------------------------- history

function summarizeCatalogueEvent(e: HistoryEvent): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const metric = d.metric as Partial<CatalogueMetric> | undefined;
  const partition = d.partition as Partial<CataloguePartition> | undefined;
  switch (e.type) {
    case 'metric_defined':
      return `Metric ${metric?.name} “${metric?.displayName}” (${metric?.scope}${metric?.unit ? `, ${metric.unit}` : ''})`;
    case 'metric_removed':
      return `Metric ${String(d.name)} removed`;
    case 'partition_defined':
      return `Partition ${partition?.name}${partition?.cluster ? ` on ${partition.cluster}` : ''}: MaxTime ${formatMaxTime(partition?.maxTime) || 'none'}, ${partition?.metrics?.length || 'all'} metrics${partition?.virtualPartitions?.length ? `, ${partition.virtualPartitions.length} virtual` : ''}`;
    case 'partition_removed':
      return `Partition ${String(d.name)}${d.cluster ? ` on ${String(d.cluster)}` : ''} removed`;
    case 'catalogue_settings_changed':
      return `Settings: interval ${String(d.collectorIntervalSeconds)} s, quantiles ${(d.quantiles as number[] | undefined)?.join(', ')}, radar ${(d.radarMetrics as string[] | undefined)?.join(', ') || 'none'}`;
    default:
      return e.type;
  }
}

function HistoryPanel({ version }: { version: number }) {
  const [open, setOpen] = useState(false);
  const history = useQuery({
    queryKey: ['catalogue-history', version],
    queryFn: ({ signal }) => api<HistoryEvent[]>('/api/admin/catalogue/history', { signal }),
    enabled: open,
  });
  const rows = useMemo(() => (history.data ? [...history.data].reverse() : []), [history.data]);
  return (
    <section className="card" aria-labelledby="cat-history-title">
      <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
        <summary><h2 id="cat-history-title" className="inline-heading">Catalogue change history</h2></summary>
        {history.isPending && open ? <Loading /> : null}
        {history.isError ? <SectionError error={history.error} what="The catalogue history" /> : null}
        {history.data ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Change</th>
                  <th scope="col" className="col-opt">Via</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={`${e.sequence}-${e.version}`} data-event-type={e.type}>
                    <td className="nowrap">{formatDateTime(e.timestamp)}</td>
                    <td>{e.causedBy || 'unknown'}</td>
                    <td>{summarizeCatalogueEvent(e)}</td>
                    <td className="col-opt">{e.source}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </details>
    </section>
  );
}
