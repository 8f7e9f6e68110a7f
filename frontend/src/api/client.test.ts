import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, isNotFound, setUnauthorizedHandler } from './client';

function mockFetch(status: number, body: string, contentType = 'application/json') {
  const fn = vi.fn(async (_url: string, _init?: RequestInit) =>
    new Response(status === 204 ? null : body, { status, headers: { 'content-type': contentType } }),
  );
  vi.stubGlobal('fetch', fn);
  return fn;
}

/** The ApiError a request fails with (fails the test when it succeeds). */
function failure(p: Promise<unknown>): Promise<ApiError> {
  return p.then(
    () => {
      throw new Error('request succeeded');
    },
    (x: ApiError) => x,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  setUnauthorizedHandler(null);
});

describe('api', () => {
  it('GETs JSON with the session cookie and no CSRF header', async () => {
    const fetch = mockFetch(200, '{"a":1}');
    expect(await api('/api/x')).toEqual({ a: 1 });
    const init = fetch.mock.calls[0][1]!;
    expect(init.credentials).toBe('same-origin');
    expect((init.headers as Record<string, string>)['X-Jobmon-Csrf']).toBeUndefined();
  });
  it('sends the CSRF header and a JSON body on non-GET requests', async () => {
    const fetch = mockFetch(204, '');
    await api('/api/x', { method: 'POST', body: { n: 1 } });
    const init = fetch.mock.calls[0][1]!;
    expect((init.headers as Record<string, string>)['X-Jobmon-Csrf']).toBe('1');
    expect(init.body).toBe('{"n":1}');
    await api('/api/x', { method: 'DELETE' });
    expect((fetch.mock.calls[1][1]!.headers as Record<string, string>)['X-Jobmon-Csrf']).toBe('1');
  });
  it('turns problem details into ApiError', async () => {
    mockFetch(400, JSON.stringify({ title: 'Bad', status: 400, detail: 'minNodes is bad', errors: { minNodes: ['must be ≥ 0'] }, correlationId: 'c1' }), 'application/problem+json');
    const e = await failure(api('/api/jobs'));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.message).toBe('minNodes is bad');
    expect(e.problem.errors).toEqual({ minNodes: ['must be ≥ 0'] });
    expect(e.correlationId).toBe('c1');
  });
  it('makes a problem from a non-JSON error', async () => {
    mockFetch(502, '<html>bad gateway</html>', 'text/html');
    const e = await failure(api('/api/jobs'));
    expect(e.status).toBe(502);
    expect(e.problem.title).toBe('The server could not be reached');
  });
  it('treats an HTML answer to an API call as a missing endpoint', async () => {
    mockFetch(200, '<!doctype html><div id="root"></div>', 'text/html');
    const e = await failure(api('/api/admin/users'));
    expect(isNotFound(e)).toBe(true);
  });
  it('calls the unauthorized handler on 401 unless quiet', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    mockFetch(401, '{"title":"Unauthorized"}');
    await api('/api/jobs').catch(() => undefined);
    expect(handler).toHaveBeenCalledTimes(1);
    await api('/api/me', { quiet401: true }).catch(() => undefined);
    expect(handler).toHaveBeenCalledTimes(1);
  });
  it('reports network errors as status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    const e = await failure(api('/api/jobs'));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(0);
  });
});
