import { describe, expect, it } from 'vitest';
import {
  clearFilters, DEFAULT_FILTERS, hasActiveFilters, parseFilters, serializeFilters, toApiQuery, toggleSort, updateFilters,
} from './filters';

describe('parseFilters', () => {
  it('gives defaults for an empty query', () => {
    expect(parseFilters('')).toEqual(DEFAULT_FILTERS);
  });
  it('reads every field', () => {
    const f = parseFilters(
      'cluster=c1&user=alice&group=g&account=a&partition=p&state=running,failed&from=2026-01-01T00:00:00Z&to=1767312000' +
        '&minDuration=60&maxDuration=3600&minNodes=2&maxNodes=4&minTasks=1&maxTasks=8&minGpus=0&maxGpus=4&tags=a,b&q=foo' +
        '&node=n[1-2]&startKnown=false&sort=duration&order=asc&page=3&pageSize=100',
    );
    expect(f).toEqual({
      cluster: 'c1', user: 'alice', group: 'g', account: 'a', partition: 'p', state: ['running', 'failed'],
      from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z', minDuration: 60, maxDuration: 3600, minNodes: 2,
      maxNodes: 4, minTasks: 1, maxTasks: 8, minGpus: 0, maxGpus: 4, tags: ['a', 'b'], q: 'foo', node: 'n[1-2]', startKnown: 'false',
      sort: 'duration', order: 'asc', page: 3, pageSize: 100,
    });
  });
  it('ignores junk', () => {
    const f = parseFilters('state=running,bogus&sort=evil&order=up&page=-2&pageSize=9999&minNodes=x&from=yesterday&startKnown=maybe');
    expect(f.state).toEqual(['running']);
    expect(f.sort).toBe('startTime');
    expect(f.order).toBe('desc');
    expect(f.page).toBe(1);
    expect(f.pageSize).toBe(500);
    expect(f.minNodes).toBeNull();
    expect(f.from).toBe('');
    expect(f.startKnown).toBe('');
  });
  it('de-duplicates lists', () => {
    expect(parseFilters('tags=a,,a,b').tags).toEqual(['a', 'b']);
  });
});

describe('serializeFilters', () => {
  it('leaves out defaults', () => {
    expect(serializeFilters(DEFAULT_FILTERS).toString()).toBe('');
  });
  it('round-trips', () => {
    const q = 'user=alice&state=running%2Ccompleted&minDuration=60&tags=x%2Cy&sort=duration&order=asc&page=2&pageSize=25';
    const f = parseFilters(q);
    expect(serializeFilters(f).toString()).toBe(q);
    expect(parseFilters(serializeFilters(f))).toEqual(f);
  });
  it('keeps zero numbers', () => {
    expect(serializeFilters({ ...DEFAULT_FILTERS, minGpus: 0 }).get('minGpus')).toBe('0');
  });
});

describe('toApiQuery', () => {
  it('always names sort, order and paging', () => {
    const q = new URLSearchParams(toApiQuery({ ...DEFAULT_FILTERS, cluster: 'c1' }));
    expect(q.get('cluster')).toBe('c1');
    expect(q.get('sort')).toBe('startTime');
    expect(q.get('order')).toBe('desc');
    expect(q.get('page')).toBe('1');
    expect(q.get('pageSize')).toBe('50');
  });
});

describe('changes', () => {
  it('a filter change goes back to page 1, paging does not', () => {
    const f = { ...DEFAULT_FILTERS, page: 4 };
    expect(updateFilters(f, { user: 'bob' }).page).toBe(1);
    expect(updateFilters(f, { page: 5 }).page).toBe(5);
    expect(updateFilters(f, { pageSize: 100 }).page).toBe(1);
  });
  it('toggles sort', () => {
    const a = toggleSort(DEFAULT_FILTERS, 'startTime');
    expect([a.sort, a.order]).toEqual(['startTime', 'asc']);
    const b = toggleSort(DEFAULT_FILTERS, 'user');
    expect([b.sort, b.order]).toEqual(['user', 'asc']);
    const c = toggleSort(DEFAULT_FILTERS, 'numNodes');
    expect([c.sort, c.order]).toEqual(['numNodes', 'desc']);
  });
  it('clears filters but keeps sort and page size', () => {
    const f = { ...DEFAULT_FILTERS, user: 'x', state: ['failed' as const], sort: 'duration' as const, pageSize: 100, page: 3 };
    expect(hasActiveFilters(f)).toBe(true);
    const c = clearFilters(f);
    expect(hasActiveFilters(c)).toBe(false);
    expect(c.sort).toBe('duration');
    expect(c.pageSize).toBe(100);
    expect(c.page).toBe(1);
  });
});

describe('node filter', () => {
  it('round-trips a hostlist through the URL and reaches the API query as node=', () => {
    const f = parseFilters('node=demo%5B001-004%5D');
    expect(f.node).toBe('demo[001-004]');
    expect(hasActiveFilters(f)).toBe(true);
    expect(new URLSearchParams(toApiQuery(f)).get('node')).toBe('demo[001-004]');
    expect(updateFilters(f, { node: 'n1' }).page).toBe(1);
  });
});
