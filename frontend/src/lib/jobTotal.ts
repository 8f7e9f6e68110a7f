/** What the job list's pager needs of GET /api/jobs: the server counts matching jobs only up to 10,000 and then
 * sets totalIsLowerBound ("more than that"), so the UI shows "10,000+" and "Page 3 of 200+" and lets Next go on. */
export interface CountedPage {
  total: number;
  pageSize: number;
  totalIsLowerBound?: boolean;
  items: readonly unknown[];
}

/** "1,234" or, when the server stopped counting, "10,000+". */
export function jobTotalLabel(d: CountedPage): string {
  return d.total.toLocaleString('en-US') + (d.totalIsLowerBound ? '+' : '');
}

/** The pager of page `page`: its count of pages ("200+" when more exist) and whether a next page may exist. A full
 * page beyond the counted total may be followed by more; a short one is the last. */
export function jobPager(d: CountedPage, page: number): { pages: number; label: string; hasNext: boolean } {
  const pages = Math.max(1, Math.ceil(d.total / d.pageSize));
  if (!d.totalIsLowerBound) return { pages, label: String(pages), hasNext: page < pages };
  return { pages, label: `${pages}+`, hasNext: page < pages || d.items.length >= d.pageSize };
}
