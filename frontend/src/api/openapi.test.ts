// Drift check: the committed OpenAPI snapshot (openapi/v2.json, refreshed from a running backend, see
// openapi/README.md) must contain every API path the UI calls. A path the UI calls that the backend no longer
// describes fails here; then refresh the snapshot and `npm run gen:api`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { IngestionResult, JobListItem, JobPage, JobState } from './types';

const root = join(__dirname, '..', '..');
const doc = JSON.parse(readFileSync(join(root, 'openapi', 'v2.json'), 'utf8')) as { paths: Record<string, unknown> };
const normalize = (p: string) => p.replace(/\{[^}]*\}/g, '{}');
const documented = new Set(Object.keys(doc.paths).map(normalize));

/** Paths in the UI's source: string and template literals starting with /api/, parameters as {}. */
function uiPaths(): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$|\.d\.ts$/.test(name)) {
        for (const m of readFileSync(file, 'utf8').matchAll(/[`'"](\/api\/[^`'"?]*)/g)) {
          const p = m[1].replace(/\$\{[^}]*$/, '').replace(/\$\{[^}]*\}/g, '{}');
          out.add(p);
        }
      }
    }
  };
  walk(join(root, 'src'));
  return out;
}

describe('OpenAPI snapshot', () => {
  it('is an OpenAPI document with paths', () => {
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
  });

  it('describes the endpoints the UI depends on most', () => {
    for (const p of ['/api/jobs', '/api/jobs/{id}', '/api/jobs/{id}/metrics', '/api/summaries/users', '/api/summaries/groups', '/api/summaries/partitions', '/api/metrics/catalogue', '/api/me', '/api/login']) {
      expect(documented, p).toContain(normalize(p));
    }
  });

  it('contains every path the UI calls', () => {
    const called = uiPaths();
    expect(called.size).toBeGreaterThan(20);
    const missing = [...called].filter((p) => !documented.has(p));
    expect(missing).toEqual([]);
  });
});

describe('generated types', () => {
  it('narrow .NET numbers to number', () => {
    expectTypeOf<JobListItem['numNodes']>().toEqualTypeOf<number>();
    expectTypeOf<JobListItem['exitCode']>().toEqualTypeOf<number | null>();
    expectTypeOf<JobPage['total']>().toEqualTypeOf<number>();
    expectTypeOf<IngestionResult['stored']>().toEqualTypeOf<boolean>();
    expectTypeOf<JobListItem['state']>().toEqualTypeOf<JobState>();
  });
});
