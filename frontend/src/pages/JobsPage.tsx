import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client';
import type { JobPage } from '../api/types';
import { isAdmin, useMe } from '../auth';
import { ErrorState, Field, Loading, StateBadge, TagChip } from '../components/common';
import { Footprint } from '../components/Footprint';
import { useCatalogue } from '../api/catalogue';
import {
  clearFilters, hasActiveFilters, isoToLocalInput, JOB_STATES, localInputToIso, PAGE_SIZES, parseFilters,
  serializeFilters, toApiQuery, toggleSort, updateFilters, type JobFilters, type JobState, type SortField,
} from '../lib/filters';
import { formatDateTime, formatDuration, formatDurationClock, parseDurationInput } from '../lib/format';
import { tryExpandHostlist } from '../lib/hostlist';
import { jobPager, jobTotalLabel } from '../lib/jobTotal';

interface Column {
  key: string;
  label: string;
  sort?: SortField;
  className?: string;
}

const COLUMNS: Column[] = [
  { key: 'state', label: 'State', sort: 'state' },
  { key: 'cluster', label: 'Cluster', sort: 'cluster', className: 'col-opt' },
  { key: 'jobId', label: 'Job id', sort: 'jobId' },
  { key: 'name', label: 'Name', sort: 'name' },
  { key: 'user', label: 'User', sort: 'user' },
  { key: 'account', label: 'Account', sort: 'account', className: 'col-opt' },
  { key: 'partition', label: 'Partition', sort: 'partition', className: 'col-opt' },
  { key: 'nodes', label: 'Nodes', sort: 'numNodes', className: 'num' },
  { key: 'gpus', label: 'GPUs', sort: 'gpus', className: 'num col-opt' },
  { key: 'start', label: 'Start', sort: 'startTime' },
  { key: 'duration', label: 'Duration', sort: 'duration', className: 'num' },
  { key: 'footprint', label: 'Footprint', className: 'col-opt' },
  { key: 'tags', label: 'Tags', className: 'col-opt' },
];

/** The form's text fields (what people type); turned into JobFilters on Apply. */
interface Draft {
  q: string;
  cluster: string;
  user: string;
  group: string;
  account: string;
  partition: string;
  from: string;
  to: string;
  minDuration: string;
  maxDuration: string;
  minNodes: string;
  maxNodes: string;
  minGpus: string;
  maxGpus: string;
  minTasks: string;
  maxTasks: string;
  tags: string;
  node: string;
  startKnown: '' | 'true' | 'false';
}

function toDraft(f: JobFilters): Draft {
  const n = (v: number | null) => (v === null ? '' : String(v));
  const d = (v: number | null) => (v === null ? '' : formatDurationInput(v));
  return {
    q: f.q, cluster: f.cluster, user: f.user, group: f.group, account: f.account, partition: f.partition,
    from: isoToLocalInput(f.from), to: isoToLocalInput(f.to), minDuration: d(f.minDuration), maxDuration: d(f.maxDuration),
    minNodes: n(f.minNodes), maxNodes: n(f.maxNodes), minGpus: n(f.minGpus), maxGpus: n(f.maxGpus), minTasks: n(f.minTasks),
    maxTasks: n(f.maxTasks), tags: f.tags.join(', '), node: f.node, startKnown: f.startKnown,
  };
}

/** Seconds → the shortest exact "1h30m" form. */
function formatDurationInput(s: number): string {
  const parts: string[] = [];
  let rest = s;
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const k = Math.floor(rest / size);
    if (k > 0) parts.push(`${k}${unit}`);
    rest -= k * size;
  }
  return parts.join('') || '0s';
}

function fromDraft(d: Draft): { change: Partial<JobFilters>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const int = (key: keyof Draft) => {
    const v = (d[key] as string).trim();
    if (v === '') return null;
    if (!/^\d+$/.test(v)) {
      errors[key] = 'a whole number';
      return null;
    }
    return Number(v);
  };
  const dur = (key: keyof Draft) => {
    const v = (d[key] as string).trim();
    if (v === '') return null;
    const s = parseDurationInput(v);
    if (s === null) errors[key] = 'e.g. 90, 30m, 1h30m, 2-00:00:00';
    return s;
  };
  // The node filter is a hostlist: checked here with the server's rules, so a typo is named before the request.
  const node = d.node.trim();
  if (node !== '') {
    const r = tryExpandHostlist(node);
    if (r.error !== undefined) errors.node = r.error;
  }
  const change: Partial<JobFilters> = {
    q: d.q.trim(), cluster: d.cluster.trim(), user: d.user.trim(), group: d.group.trim(), account: d.account.trim(),
    partition: d.partition.trim(), from: localInputToIso(d.from), to: localInputToIso(d.to),
    minDuration: dur('minDuration'), maxDuration: dur('maxDuration'), minNodes: int('minNodes'), maxNodes: int('maxNodes'),
    minGpus: int('minGpus'), maxGpus: int('maxGpus'), minTasks: int('minTasks'), maxTasks: int('maxTasks'),
    tags: [...new Set(d.tags.split(',').map((t) => t.trim()).filter(Boolean))], node, startKnown: d.startKnown,
  };
  return { change, errors };
}

export function JobsPage() {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const filters = useMemo(() => parseFilters(search), [search]);
  const me = useMe();
  const admin = isAdmin(me.data);
  const [draft, setDraft] = useState<Draft>(() => toDraft(filters));
  const [draftErrors, setDraftErrors] = useState<Record<string, string>>({});
  const [showMore, setShowMore] = useState(() => {
    const f = filters;
    return !!(f.group || f.from || f.to || f.minDuration !== null || f.maxDuration !== null || f.minNodes !== null ||
      f.maxNodes !== null || f.minGpus !== null || f.maxGpus !== null || f.minTasks !== null || f.maxTasks !== null || f.startKnown);
  });

  // Back/forward or a shared link changed the URL: show its filters in the form.
  useEffect(() => {
    setDraft(toDraft(filters));
    setDraftErrors({});
  }, [filters]);

  useEffect(() => {
    document.title = 'Jobs · Jobmon';
  }, []);

  const apiQuery = toApiQuery(filters);
  const jobs = useQuery({
    queryKey: ['jobs', apiQuery],
    queryFn: ({ signal }) => api<JobPage>(`/api/jobs?${apiQuery}`, { signal }),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });

  // For the footprint column: peaks and display names. Without it the column stays empty.
  const catalogue = useCatalogue(!!jobs.data?.items.some((j) => j.statistics && Object.keys(j.statistics).length > 0));

  const go = (next: JobFilters) => setParams(serializeFilters(next));
  const change = (c: Partial<JobFilters>) => go(updateFilters(filters, c));

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const { change: c, errors } = fromDraft(draft);
    setDraftErrors(errors);
    if (Object.keys(errors).length === 0) change(c);
  };
  const toggleState = (s: JobState) => {
    const next = filters.state.includes(s) ? filters.state.filter((x) => x !== s) : [...filters.state, s];
    change({ state: JOB_STATES.filter((x) => next.includes(x)) });
  };
  const set = (key: keyof Draft) => (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value });
  const input = (key: keyof Draft, label: string, props: Record<string, unknown> = {}) => (
    <Field label={label} hint={draftErrors[key] ? <span className="form-error">{draftErrors[key]}</span> : undefined}>
      <input name={key} value={draft[key]} onChange={set(key)} aria-invalid={!!draftErrors[key]} {...props} />
    </Field>
  );

  const data = jobs.data;
  const pager = data ? jobPager(data, filters.page) : { pages: 1, label: '1', hasNext: false };
  const active = hasActiveFilters(filters);
  // The same filters and order as the table, every matching row (the CSV ignores paging).
  const csvQuery = (() => {
    const p = serializeFilters(filters);
    p.delete('page');
    p.delete('pageSize');
    p.set('sort', filters.sort);
    p.set('order', filters.order);
    p.set('format', 'csv');
    return p.toString();
  })();

  return (
    <div className="jobs-page">
      <div className="page-head">
        <h1>Jobs</h1>
        {data ? (
          <span className="muted" aria-live="polite">
            {jobTotalLabel(data)} job{data.total === 1 && !data.totalIsLowerBound ? '' : 's'}
            {jobs.isFetching ? ' · updating…' : ''}
          </span>
        ) : null}
        <a className="btn" href={`/api/jobs?${csvQuery}`} download="jobs.csv" data-testid="jobs-csv">
          Download CSV
        </a>
      </div>

      <form className="filters card" onSubmit={apply} role="search" aria-label="Job filters">
        <div className="filter-row">
          {input('q', 'Search', { type: 'search', placeholder: 'job id, name or account', className: 'wide' })}
          {input('cluster', 'Cluster')}
          {admin ? input('user', 'User') : null}
          {input('account', 'Account')}
          {input('partition', 'Partition')}
          {input('tags', 'Tags (all of)', { placeholder: 'a, b' })}
          {input('node', 'Nodes (hostlist)', { placeholder: 'demo[001-004]' })}
        </div>
        <fieldset className="state-filter">
          <legend className="field-label">State</legend>
          {JOB_STATES.map((s) => (
            <button
              key={s}
              type="button"
              className={`toggle state-toggle state-${s}`}
              aria-pressed={filters.state.includes(s)}
              onClick={() => toggleState(s)}
            >
              {s}
            </button>
          ))}
        </fieldset>
        {showMore ? (
          <div className="filter-row">
            {input('group', 'Group')}
            {input('from', 'Started from', { type: 'datetime-local' })}
            {input('to', 'Started until', { type: 'datetime-local' })}
            {input('minDuration', 'Min duration', { placeholder: '30m' })}
            {input('maxDuration', 'Max duration', { placeholder: '2h' })}
            {input('minNodes', 'Min nodes', { inputMode: 'numeric', className: 'short' })}
            {input('maxNodes', 'Max nodes', { inputMode: 'numeric', className: 'short' })}
            {input('minTasks', 'Min tasks', { inputMode: 'numeric', className: 'short' })}
            {input('maxTasks', 'Max tasks', { inputMode: 'numeric', className: 'short' })}
            {input('minGpus', 'Min GPUs', { inputMode: 'numeric', className: 'short' })}
            {input('maxGpus', 'Max GPUs', { inputMode: 'numeric', className: 'short' })}
            <Field label="Start known">
              <select name="startKnown" value={draft.startKnown} onChange={set('startKnown')}>
                <option value="">any</option>
                <option value="true">yes</option>
                <option value="false">no (end only)</option>
              </select>
            </Field>
          </div>
        ) : null}
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">Apply filters</button>
          <button type="button" className="btn" onClick={() => setShowMore(!showMore)} aria-expanded={showMore}>
            {showMore ? 'Fewer filters' : 'More filters'}
          </button>
          {active ? (
            <button type="button" className="btn btn-ghost" onClick={() => go(clearFilters(filters))}>
              Clear filters
            </button>
          ) : null}
        </div>
      </form>

      {jobs.isError ? (
        <ErrorState error={jobs.error} title="Could not load jobs">
          <button type="button" className="btn" onClick={() => jobs.refetch()}>Try again</button>
        </ErrorState>
      ) : null}
      {jobs.isPending ? <Loading label="Loading jobs…" /> : null}

      {data && data.items.length === 0 && !jobs.isError ? (
        <div className="empty-state" role="status">
          {active ? (
            <>
              No jobs match these filters —{' '}
              <button type="button" className="link-button" onClick={() => go(clearFilters(filters))}>
                clear filters
              </button>
            </>
          ) : (
            'No jobs yet.'
          )}
        </div>
      ) : null}

      {data && data.items.length > 0 ? (
        <>
          <div className="table-wrap">
            <table className="jobs-table cards">
              <thead>
                <tr>
                  {COLUMNS.map((c) => {
                    const sorted = c.sort && filters.sort === c.sort;
                    return (
                      <th
                        key={c.key}
                        className={c.className}
                        aria-sort={sorted ? (filters.order === 'asc' ? 'ascending' : 'descending') : undefined}
                        scope="col"
                      >
                        {c.sort ? (
                          <button type="button" className="sort-button" onClick={() => go(toggleSort(filters, c.sort!))}>
                            {c.label}
                            <span aria-hidden="true" className="sort-mark">
                              {sorted ? (filters.order === 'asc' ? ' ▲' : ' ▼') : ''}
                            </span>
                          </button>
                        ) : (
                          c.label
                        )}
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {data.items.map((j) => (
                  <tr key={j.id} data-job-id={j.id}>
                    <td><StateBadge state={j.state} /></td>
                    <td className="col-opt">{j.cluster}</td>
                    <td data-label="Job"><Link to={`/jobs/${j.id}`}>{j.jobId}</Link></td>
                    <td className="name-cell card-wide"><Link to={`/jobs/${j.id}`} title={j.name}>{j.name || <span className="muted">(no name)</span>}</Link></td>
                    <td data-label="User">{j.user || <span className="muted">?</span>}</td>
                    <td className="col-opt">{j.account}</td>
                    <td className="col-opt">{j.partition}</td>
                    <td className="num" data-label="Nodes">{j.numNodes}</td>
                    <td className="num col-opt">{j.totalGpus}</td>
                    <td className="nowrap" data-label="Start">{j.startKnown ? formatDateTime(j.startTime) : <span className="muted">unknown</span>}</td>
                    <td className="num nowrap" data-label="Duration" title={formatDurationClock(j.durationSeconds)}>{formatDuration(j.durationSeconds)}</td>
                    <td className="col-opt"><Footprint statistics={j.statistics} catalogue={catalogue.data} /></td>
                    <td className="col-opt">
                      <span className="chips">
                        {j.tags.map((t) => (
                          <TagChip key={t.name} tag={t} />
                        ))}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages">
            <button type="button" className="btn" disabled={filters.page <= 1} onClick={() => change({ page: 1 })}>
              « First
            </button>
            <button type="button" className="btn" disabled={filters.page <= 1} onClick={() => change({ page: filters.page - 1 })}>
              ‹ Previous
            </button>
            <span>
              Page {filters.page} of {pager.label}
            </span>
            <button type="button" className="btn" disabled={!pager.hasNext} onClick={() => change({ page: filters.page + 1 })}>
              Next ›
            </button>
            <label className="inline-field">
              Per page{' '}
              <select value={filters.pageSize} onChange={(e) => change({ pageSize: Number(e.target.value) })}>
                {[...new Set([...PAGE_SIZES, filters.pageSize])].sort((a, b) => a - b).map((n) => (
                  <option key={n} value={n}>{n}</option>
                ))}
              </select>
            </label>
          </nav>
        </>
      ) : null}
      {data && data.items.length === 0 && filters.page > 1 && data.total > 0 ? (
        <p>
          <button type="button" className="link-button" onClick={() => change({ page: 1 })}>Go to the first page</button>
        </p>
      ) : null}
    </div>
  );
}
