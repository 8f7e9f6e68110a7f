import { describe, expect, it } from 'vitest';
import { jobPager, jobTotalLabel } from './jobTotal';

const items = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('jobTotalLabel', () => {
  it('shows an exact total as a number', () => {
    expect(jobTotalLabel({ total: 1234, pageSize: 50, items: [] })).toBe('1,234');
    expect(jobTotalLabel({ total: 10_000, pageSize: 50, totalIsLowerBound: false, items: [] })).toBe('10,000');
  });
  it('marks a total the server stopped counting', () => {
    expect(jobTotalLabel({ total: 10_000, pageSize: 50, totalIsLowerBound: true, items: [] })).toBe('10,000+');
  });
});

describe('jobPager', () => {
  it('counts pages of an exact total and stops at the last', () => {
    // 101 jobs at 50 a page: pages 1, 2 and 3 (one job).
    const exact = { total: 101, pageSize: 50 };
    expect(jobPager({ ...exact, items: items(50) }, 2)).toEqual({ pages: 3, label: '3', hasNext: true });
    expect(jobPager({ ...exact, items: items(1) }, 3)).toEqual({ pages: 3, label: '3', hasNext: false });
    expect(jobPager({ total: 0, pageSize: 50, items: [] }, 1)).toEqual({ pages: 1, label: '1', hasNext: false });
  });
  it('lets Next go past the counted pages while pages are full', () => {
    // 10,000+ jobs at 50 a page: 200 counted pages, "200+".
    const bounded = { total: 10_000, pageSize: 50, totalIsLowerBound: true };
    expect(jobPager({ ...bounded, items: items(50) }, 3)).toEqual({ pages: 200, label: '200+', hasNext: true });
    expect(jobPager({ ...bounded, items: items(50) }, 200)).toEqual({ pages: 200, label: '200+', hasNext: true });
    expect(jobPager({ ...bounded, items: items(50) }, 250)).toEqual({ pages: 200, label: '200+', hasNext: true });
    expect(jobPager({ ...bounded, items: items(7) }, 251)).toEqual({ pages: 200, label: '200+', hasNext: false });
  });
});
