// fetch wrapper: same-origin cookie session, CSRF header on every non-GET request, RFC 7807 problems as ApiError.

export interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: Record<string, string[]>;
  correlationId?: string;
  type?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
  get correlationId(): string | undefined {
    return this.problem.correlationId;
  }
}

/** Called on any 401 from an endpoint other than login/me: the session ended. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(handler: (() => void) | null) {
  onUnauthorized = handler;
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      const body = JSON.parse(text) as unknown;
      if (body && typeof body === 'object') return { status: res.status, ...(body as Problem) };
    } catch {
      // not JSON: fall through
    }
  }
  const fallback: Record<number, string> = {
    401: 'Not signed in',
    403: 'Not allowed',
    404: 'Not found',
    502: 'The server could not be reached',
    503: 'Service unavailable',
    504: 'The server took too long to answer',
  };
  return {
    status: res.status,
    title: fallback[res.status] ?? `HTTP ${res.status} ${res.statusText}`.trim(),
    detail: text && text.length < 300 && !text.trimStart().startsWith('<') ? text : undefined,
    correlationId: res.headers.get('x-correlation-id') ?? undefined,
  };
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Do not call the unauthorized handler on 401 (login, me). */
  quiet401?: boolean;
  /** Non-2xx statuses that are answers, not errors (e.g. 300 Multiple Choices of the SLURM-id lookup). */
  accept?: number[];
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-Jobmon-Csrf'] = '1';
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: options.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'Network error', detail: `The server could not be reached (${e instanceof Error ? e.message : String(e)}).` });
  }
  if (!res.ok && !options.accept?.includes(res.status)) {
    const problem = await problemOf(res);
    if (res.status === 401 && !options.quiet401) onUnauthorized?.();
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined as T;
  // A server that serves the web UI for unknown paths answers HTML: the endpoint does not exist (yet).
  if ((res.headers.get('content-type') ?? '').includes('text/html')) {
    throw new ApiError(404, { status: 404, title: 'Not available', detail: `${path.split('?')[0]} is not available on this server.` });
  }
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, { title: 'Unexpected answer', detail: `The server did not answer JSON for ${path}.` });
  }
}

/** Whether an error means "this endpoint doesn't exist yet" (planned endpoints). */
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404;
}
