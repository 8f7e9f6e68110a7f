/** One row of GET /api/tags/counts (Jobs/Tagging/TagCounts.cs). */
export interface TagCount {
  name: string;
  jobs: number;
}

/** The job list filtered by one tag (the list's `tags` filter; a comma would split the name, so it is not allowed
 * in tag names by the API's TagName rule). */
export const jobsWithTag = (name: string) => `/jobs?tags=${encodeURIComponent(name)}`;

/** The tag page with one tag highlighted (from a tag chip). */
export const tagPageFor = (name: string) => `/tags?tag=${encodeURIComponent(name)}`;

/** Rows whose name contains the filter text (case-insensitive); the counts' order (most used first) is kept. */
export function filterTags(tags: TagCount[], text: string): TagCount[] {
  const needle = text.trim().toLowerCase();
  return needle ? tags.filter((t) => t.name.toLowerCase().includes(needle)) : tags;
}
