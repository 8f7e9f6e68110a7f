// SLURM hostlist expressions: "hkn[0001-0003,0005],gpu[1-2]" → hkn0001 hkn0002 hkn0003 hkn0005 gpu1 gpu2.
// Zero padding of a range is kept (the width of its lower bound when that starts with 0); several bracket groups in
// one name expand as their product ("r[1-2]n[1-2]" → r1n1 r1n2 r2n1 r2n2). Commas or whitespace separate names.

export class HostlistError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostlistError';
  }
}

/** At most this many hosts from one expression: a typo like [1-99999999] must not hang the page. */
export const MAX_HOSTS = 100_000;

/** Splits at commas/whitespace that are not inside brackets. */
function splitTopLevel(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of expr) {
    if (ch === '[') {
      if (depth > 0) throw new HostlistError(`nested "[" in "${expr}"`);
      depth += 1;
    } else if (ch === ']') {
      if (depth === 0) throw new HostlistError(`"]" without "[" in "${expr}"`);
      depth -= 1;
    }
    if (depth === 0 && (ch === ',' || /\s/.test(ch))) {
      if (current !== '') parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (depth !== 0) throw new HostlistError(`unclosed "[" in "${expr}"`);
  if (current !== '') parts.push(current);
  return parts;
}

/** Expands the inside of one bracket group ("0001-0003,0005") to its strings. */
function expandGroup(group: string, whole: string): string[] {
  if (group.trim() === '') throw new HostlistError(`empty "[]" in "${whole}"`);
  const out: string[] = [];
  for (const raw of group.split(',')) {
    const item = raw.trim();
    const range = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!range) throw new HostlistError(`"${item}" is not a number or range in "${whole}"`);
    const [, loText, hiText] = range;
    const lo = Number(loText);
    const hi = hiText === undefined ? lo : Number(hiText);
    if (hi < lo) throw new HostlistError(`range ${item} goes backwards in "${whole}"`);
    if (hi - lo + 1 > MAX_HOSTS) throw new HostlistError(`range ${item} has more than ${MAX_HOSTS} hosts`);
    const width = loText.length > 1 && loText.startsWith('0') ? loText.length : hiText !== undefined && hiText.length > 1 && hiText.startsWith('0') ? hiText.length : 0;
    for (let n = lo; n <= hi; n++) out.push(String(n).padStart(width, '0'));
  }
  return out;
}

/** Expands one name with any number of bracket groups. */
function expandName(name: string): string[] {
  let results = [''];
  let rest = name;
  while (rest.length > 0) {
    const open = rest.indexOf('[');
    if (open < 0) {
      results = results.map((r) => r + rest);
      break;
    }
    const close = rest.indexOf(']', open);
    if (close < 0) throw new HostlistError(`unclosed "[" in "${name}"`);
    const prefix = rest.slice(0, open);
    const values = expandGroup(rest.slice(open + 1, close), name);
    if (results.length * values.length > MAX_HOSTS) throw new HostlistError(`"${name}" expands to more than ${MAX_HOSTS} hosts`);
    const next: string[] = [];
    for (const r of results) for (const v of values) next.push(r + prefix + v);
    results = next;
    rest = rest.slice(close + 1);
  }
  if (results.length === 1 && results[0] === '') throw new HostlistError('empty host name');
  return results;
}

/** Expands a hostlist expression to host names, in order, without duplicates. Throws HostlistError when invalid. */
export function expandHostlist(expr: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of splitTopLevel(expr.trim())) {
    if (/[^A-Za-z0-9._\-[\],]/.test(name)) throw new HostlistError(`"${name}" has characters a host name cannot have`);
    for (const host of expandName(name)) {
      if (!seen.has(host)) {
        seen.add(host);
        out.push(host);
        if (out.length > MAX_HOSTS) throw new HostlistError(`more than ${MAX_HOSTS} hosts`);
      }
    }
  }
  return out;
}

/** Like expandHostlist but returns {hosts} or {error} instead of throwing (for form fields). */
export function tryExpandHostlist(expr: string): { hosts: string[]; error?: undefined } | { hosts?: undefined; error: string } {
  try {
    return { hosts: expandHostlist(expr) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Compresses host names back to a short expression ("n1,n2,n3,n5" → "n[1-3,5]"); used for display. */
export function compressHostlist(hosts: string[]): string {
  const groups = new Map<string, { width: number; nums: number[] }[]>();
  const order: string[] = [];
  const plain: string[] = [];
  for (const h of hosts) {
    const m = /^(.*?)(\d+)$/.exec(h);
    if (!m) {
      plain.push(h);
      order.push(`plain:${h}`);
      continue;
    }
    const [, prefix, digits] = m;
    const width = digits.startsWith('0') && digits.length > 1 ? digits.length : 0;
    const key = `${prefix}\u0000${width}`;
    if (!groups.has(key)) {
      groups.set(key, []);
      order.push(`group:${key}`);
    }
    const list = groups.get(key)!;
    if (list.length === 0) list.push({ width, nums: [] });
    list[0].nums.push(Number(digits));
  }
  const out: string[] = [];
  for (const o of order) {
    if (o.startsWith('plain:')) {
      out.push(o.slice(6));
      continue;
    }
    const key = o.slice(6);
    const [prefix] = key.split('\u0000');
    const { width, nums } = groups.get(key)![0];
    const sorted = [...new Set(nums)].sort((a, b) => a - b);
    const pad = (n: number) => String(n).padStart(width, '0');
    if (sorted.length === 1) {
      out.push(prefix + pad(sorted[0]));
      continue;
    }
    const ranges: string[] = [];
    let start = sorted[0];
    let prev = sorted[0];
    for (const n of [...sorted.slice(1), Number.NaN]) {
      if (n === prev + 1) {
        prev = n;
        continue;
      }
      ranges.push(start === prev ? pad(start) : `${pad(start)}-${pad(prev)}`);
      start = n;
      prev = n;
    }
    out.push(`${prefix}[${ranges.join(',')}]`);
  }
  return out.join(',');
}
