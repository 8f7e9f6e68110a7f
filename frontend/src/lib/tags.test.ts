import { describe, expect, it } from 'vitest';
import { filterTags, jobsWithTag, tagPageFor } from './tags';

describe('tag page helpers', () => {
  const tags = [
    { name: 'memory-bound', jobs: 12 },
    { name: 'Campaign 2026', jobs: 5 },
    { name: 'mem/leak', jobs: 1 },
  ];

  it('keeps rows containing the text, any case, in the given order', () => {
    expect(filterTags(tags, 'MEM').map((t) => t.name)).toEqual(['memory-bound', 'mem/leak']);
    expect(filterTags(tags, ' 2026 ').map((t) => t.name)).toEqual(['Campaign 2026']);
    expect(filterTags(tags, '')).toBe(tags);
    expect(filterTags(tags, 'gpu')).toEqual([]);
  });

  it('links a tag to the filtered job list and to the tag page, escaping spaces and slashes', () => {
    expect(jobsWithTag('Campaign 2026')).toBe('/jobs?tags=Campaign%202026');
    expect(tagPageFor('mem/leak')).toBe('/tags?tag=mem%2Fleak');
  });
});
