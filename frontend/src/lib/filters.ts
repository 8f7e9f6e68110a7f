// The jobs list's filters, sort and paging, kept in the URL query string so views are shareable and the back
// button works. parseFilters reads a URL (tolerating junk: unknown values fall back to defaults), serializeFilters
// writes only what differs from the defaults, toApiQuery builds the GET /api/jobs query.

// Every end state the backend stores (SLURM's final states and ClusterCockpit's), camelCase as the API sends them.
export const JOB_STATES = ['running', 'completed', 'failed', 'cancelled', 'timeout', 'outOfMemory', 'nodeFail', 'preempted', 'requeued', 'bootFail', 'deadline', 'stopped'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const SORT_FIELDS = [
  'startTime', 'stopTime', 'duration', 'cluster', 'user', 'group', 'account', 'jobId', 'name', 'partition', 'state',
  'numNodes', 'numTasks', 'gpus', 'lastChanged',
] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const MAX_PAGE_SIZE = 500;

export interface JobFilters {
  cluster: string;
  user: string;
  group: string;
  account: string;
  partition: string;
  state: JobState[];
  /** ISO timestamps (UTC). */
  from: string;
  to: string;
  /** Seconds. */
  minDuration: number | null;
  maxDuration: number | null;
  minNodes: number | null;
  maxNodes: number | null;
  minTasks: number | null;
  maxTasks: number | null;
  minGpus: number | null;
  maxGpus: number | null;
  tags: string[];
  q: string;
  /** Hostlist (demo[001-004]): jobs on any of these nodes. */
  node: string;
  startKnown: '' | 'true' | 'false';
  sort: SortField;
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export const DEFAULT_FILTERS: Readonly<JobFilters> = Object.freeze({
  cluster: '', user: '', group: '', account: '', partition: '', state: [], from: '', to: '',
  minDuration: null, maxDuration: null, minNodes: null, maxNodes: null, minTasks: null, maxTasks: null,
  minGpus: null, maxGpus: null, tags: [], q: '', node: '', startKnown: '', sort: 'startTime', order: 'desc', page: 1, pageSize: 50,
}) as JobFilters;

const TEXT_KEYS = ['cluster', 'user', 'group', 'account', 'partition', 'q', 'node'] as const;
const NUMBER_KEYS = ['minDuration', 'maxDuration', 'minNodes', 'maxNodes', 'minTasks', 'maxTasks', 'minGpus', 'maxGpus'] as const;
/** Keys whose change is a new query (and so goes back to page 1). */
export const FILTER_KEYS = [...TEXT_KEYS, ...NUMBER_KEYS, 'state', 'from', 'to', 'tags', 'startKnown'] as const;

function list(value: string | null): string[] {
  if (!value) return [];
  return [...new Set(value.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
}

function nonNegativeInt(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : null;
}

/** A timestamp from the URL: ISO text or unix seconds, normalised to ISO; junk → ''. */
export function normalizeTime(value: string | null): string {
  if (!value) return '';
  const v = value.trim();
  const d = /^\d+(\.\d+)?$/.test(v) ? new Date(Number(v) * 1000) : new Date(v);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function parseFilters(params: URLSearchParams | string): JobFilters {
  const p = typeof params === 'string' ? new URLSearchParams(params) : params;
  const f: JobFilters = { ...DEFAULT_FILTERS, state: [], tags: [] };
  for (const k of TEXT_KEYS) f[k] = (p.get(k) ?? '').trim();
  for (const k of NUMBER_KEYS) f[k] = nonNegativeInt(p.get(k));
  f.state = list(p.get('state')).filter((s): s is JobState => (JOB_STATES as readonly string[]).includes(s));
  f.tags = list(p.get('tags'));
  f.from = normalizeTime(p.get('from'));
  f.to = normalizeTime(p.get('to'));
  const sk = p.get('startKnown');
  f.startKnown = sk === 'true' || sk === 'false' ? sk : '';
  const sort = p.get('sort');
  if (sort && (SORT_FIELDS as readonly string[]).includes(sort)) f.sort = sort as SortField;
  const order = p.get('order');
  if (order === 'asc' || order === 'desc') f.order = order;
  const page = nonNegativeInt(p.get('page'));
  if (page !== null && page >= 1) f.page = page;
  const size = nonNegativeInt(p.get('pageSize'));
  if (size !== null && size >= 1) f.pageSize = Math.min(size, MAX_PAGE_SIZE);
  return f;
}

/** URL query for these filters, leaving out defaults (so a plain /jobs is the default view). Stable key order. */
export function serializeFilters(f: JobFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of TEXT_KEYS) if (f[k].trim() !== '') p.set(k, f[k].trim());
  if (f.state.length > 0) p.set('state', f.state.join(','));
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  for (const k of NUMBER_KEYS) if (f[k] !== null) p.set(k, String(f[k]));
  if (f.tags.length > 0) p.set('tags', f.tags.join(','));
  if (f.startKnown) p.set('startKnown', f.startKnown);
  if (f.sort !== DEFAULT_FILTERS.sort) p.set('sort', f.sort);
  if (f.order !== DEFAULT_FILTERS.order) p.set('order', f.order);
  if (f.page !== DEFAULT_FILTERS.page) p.set('page', String(f.page));
  if (f.pageSize !== DEFAULT_FILTERS.pageSize) p.set('pageSize', String(f.pageSize));
  return p;
}

/** The GET /api/jobs query string (always with sort, order, page and pageSize). */
export function toApiQuery(f: JobFilters): string {
  const p = serializeFilters(f);
  p.set('sort', f.sort);
  p.set('order', f.order);
  p.set('page', String(f.page));
  p.set('pageSize', String(f.pageSize));
  return p.toString();
}

/** Whether any filter (not sort or paging) is set. */
export function hasActiveFilters(f: JobFilters): boolean {
  return FILTER_KEYS.some((k) => {
    const v = f[k];
    return Array.isArray(v) ? v.length > 0 : v !== null && v !== '';
  });
}

/** Applies a change; a change to any filter goes back to page 1. */
export function updateFilters(f: JobFilters, change: Partial<JobFilters>): JobFilters {
  const next = { ...f, ...change };
  const filterChanged = (FILTER_KEYS as readonly string[]).some((k) => k in change);
  if (filterChanged && !('page' in change)) next.page = 1;
  if ('pageSize' in change && !('page' in change)) next.page = 1;
  return next;
}

/** Filters cleared, keeping sort and page size. */
export function clearFilters(f: JobFilters): JobFilters {
  return { ...DEFAULT_FILTERS, state: [], tags: [], sort: f.sort, order: f.order, pageSize: f.pageSize };
}

/** Clicking a column header: same column flips the order, a new one starts descending (newest/largest first). */
export function toggleSort(f: JobFilters, field: SortField): JobFilters {
  if (f.sort === field) return { ...f, order: f.order === 'asc' ? 'desc' : 'asc', page: 1 };
  const ascFirst: SortField[] = ['cluster', 'user', 'group', 'account', 'name', 'partition', 'state'];
  return { ...f, sort: field, order: ascFirst.includes(field) ? 'asc' : 'desc', page: 1 };
}

/** ISO (UTC) → value for <input type="datetime-local"> in the browser's zone. */
export function isoToLocalInput(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** <input type="datetime-local"> value (browser's zone) → ISO (UTC); '' → ''. */
export function localInputToIso(local: string): string {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
