// Number, unit and duration formatting for tables and charts.

const SI_UP = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
const SI_DOWN = ['', 'm', 'µ', 'n'];
const BIN_UP = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
/**
 * Base units Jobmon may put a prefix on, lower-cased, as the collectors spell them (cc-metric-collector: memstat "kB",
 * nvidia "MByte", netstat/ibstat "bytes/sec", likwid configs "MFlops/s", "Mbyte/s", "Watt"; catalogue "GB/s", "GFLOP/s").
 */
const PREFIXABLE_BASES = new Set([
  'b', 'b/s', 'byte', 'bytes', 'byte/s', 'bytes/s', 'bytes/sec',
  'flop', 'flops', 'flop/s', 'flops/s',
  'bit', 'bits', 'bit/s', 'bits/s',
  'w', 'watt', 'watts', 'hz', 'j', 'joule', 'joules',
]);
/** Bases counted in whole units: "0.5 B" stays "0.500 B", never "500 mB". */
const COUNTED_BASE = /^(b|bytes?|flops?|bits?)(\/s|\/sec)?$/;
/** Units that take no prefix at all. */
const NO_PREFIX_UNITS = new Set(['%', 'percent', 'degc', '°c']);
const UNIT_PREFIX = /^(Ki|Mi|Gi|Ti|Pi|k|K|M|G|T|P)(.+)$/;
const BINARY_PREFIXES = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
const SI_PREFIXES = ['k', 'M', 'G', 'T', 'P'];

/**
 * Splits an already prefixed unit into the factor to its base and the base: "kB" and "KB" → 1000 × "B",
 * "MByte" → 10⁶ × "Byte", "MiB" → 2²⁰ × "B" (binary). null when the unit has no prefix Jobmon knows.
 */
function splitPrefixedUnit(unit: string): { factor: number; base: string; binary: boolean } | null {
  const m = UNIT_PREFIX.exec(unit);
  if (!m || !PREFIXABLE_BASES.has(m[2].toLowerCase())) return null;
  const binaryIndex = BINARY_PREFIXES.indexOf(m[1]);
  if (binaryIndex >= 0) return { factor: 1024 ** (binaryIndex + 1), base: m[2], binary: true };
  return { factor: 1000 ** (SI_PREFIXES.indexOf(m[1].toUpperCase() === 'K' ? 'k' : m[1]) + 1), base: m[2], binary: false };
}

export interface UnitOptions {
  /** Binary prefixes (Ki, Mi, Gi … powers of 1024) instead of SI (k, M, G … powers of 1000). */
  binary?: boolean;
  /** Significant digits (default 3: "1.50", "15.0", "150"). */
  digits?: number;
  /** Allow m/µ/n for values below 1 (default true, except for '%' and unit-less values). */
  small?: boolean;
}

/** Rounds to `digits` significant digits without exponent notation. */
export function formatSignificant(value: number, digits = 3): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const magnitude = Math.floor(Math.log10(abs));
  const decimals = Math.max(0, digits - 1 - magnitude);
  let s = value.toFixed(decimals);
  // toFixed can round up into another magnitude (9.999 → "10.00"): recompute once.
  const rounded = Math.abs(Number(s));
  if (rounded !== 0 && Math.floor(Math.log10(rounded)) > magnitude) {
    s = value.toFixed(Math.max(0, decimals - 1));
  }
  return s;
}

/**
 * Formats a value with a unit and a prefix: 1.5e9 B/s → "1.50 GB/s"; with { binary: true }, 1.5 × 2³⁰ B → "1.50 GiB".
 * null/undefined/NaN → "–".
 */
export function formatUnit(value: number | null | undefined, unit = '', options: UnitOptions = {}): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  const digits = options.digits ?? 3;
  const sep = unit ? ' ' : '';
  if (!Number.isFinite(value)) return `${value > 0 ? '∞' : '-∞'}${sep}${unit}`;
  if (value === 0) return `0${sep}${unit}`;
  if (NO_PREFIX_UNITS.has(unit.toLowerCase())) return `${formatSignificant(value, digits)}${sep}${unit}`;
  // A unit that already has a prefix ("kB" from memstat, "MByte" from nvidia, "GFLOP/s" from the catalogue) is
  // formatted from its base unit: 1300 GFLOP/s → "1.30 TFLOP/s", 5e7 KB → "50.0 GB", not "1.30 kGFLOP/s" or "50.0 MKB".
  const prefixed = splitPrefixedUnit(unit);
  if (prefixed) {
    return formatUnit(value * prefixed.factor, prefixed.base, { ...options, binary: prefixed.binary, small: options.small ?? false });
  }
  const base = options.binary ? 1024 : 1000;
  const up = options.binary ? BIN_UP : SI_UP;
  const abs = Math.abs(value);
  const allowSmall = options.small ?? (unit !== '' && !options.binary && !COUNTED_BASE.test(unit.toLowerCase()));
  let exp = 0;
  if (abs >= 1) {
    exp = Math.min(up.length - 1, Math.floor(Math.log(abs) / Math.log(base)));
    let scaled = value / base ** exp;
    let text = formatSignificant(scaled, digits);
    // Rounding can give "1000 kB": move up one prefix.
    if (Math.abs(Number(text)) >= base && exp < up.length - 1) {
      exp += 1;
      scaled = value / base ** exp;
      text = formatSignificant(scaled, digits);
    }
    const prefix = up[exp];
    return `${text}${prefix || unit ? ' ' : ''}${prefix}${unit}`.trimEnd();
  }
  if (!allowSmall) return `${formatSignificant(value, digits)}${sep}${unit}`;
  let down = 0;
  let scaled = value;
  while (Math.abs(scaled) < 1 && down < SI_DOWN.length - 1) {
    scaled *= 1000;
    down += 1;
  }
  let text = formatSignificant(scaled, digits);
  if (Math.abs(Number(text)) >= 1000 && down > 0) {
    down -= 1;
    text = formatSignificant(scaled / 1000, digits);
  }
  return `${text} ${SI_DOWN[down]}${unit}`.trimEnd();
}

/** Whether a metric unit is best shown with binary prefixes (memory sizes). */
export function prefersBinary(unit: string): boolean {
  return /^(B|bytes?)$/i.test(unit) || /^(KiB|MiB|GiB)$/.test(unit);
}

/** Humanized duration: 42 → "42s", 303 → "5m 03s", 7500 → "2h 05m", 273600 → "3d 4h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const negative = seconds < 0;
  let s = Math.floor(Math.abs(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  let text: string;
  if (d > 0) text = `${d}d ${h}h`;
  else if (h > 0) text = `${h}h ${pad(m)}m`;
  else if (m > 0) text = `${m}m ${pad(s)}s`;
  else text = `${s}s`;
  return negative ? `-${text}` : text;
}

/** Exact duration as [d-]hh:mm:ss (the SLURM style). */
export function formatDurationClock(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  let s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d > 0 ? `${d}-` : ''}${pad(h)}:${pad(m)}:${pad(s)}`;
}

/**
 * Parses a duration typed by a person: "90" (seconds), "90s", "5m", "1h30m", "2d 4h", "1:30:00" (h:mm:ss),
 * "2-04:00:00" (SLURM d-hh:mm:ss). Returns seconds, or null when it cannot be read.
 */
export function parseDurationInput(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  if (/^\d+$/.test(t)) return Number(t);
  const clock = /^(?:(\d+)-)?(\d+):(\d{1,2})(?::(\d{1,2}))?$/.exec(t);
  if (clock) {
    const [, d, a, b, c] = clock;
    const days = d ? Number(d) : 0;
    // h:mm:ss, or with only two parts mm:ss (or hh:mm after a day part, as SLURM reads it).
    if (c !== undefined) return days * 86400 + Number(a) * 3600 + Number(b) * 60 + Number(c);
    if (d) return days * 86400 + Number(a) * 3600 + Number(b) * 60;
    return Number(a) * 60 + Number(b);
  }
  const re = /(\d+(?:\.\d+)?)\s*(d|h|m|s)/g;
  let total = 0;
  let consumed = '';
  let match: RegExpExecArray | null;
  while ((match = re.exec(t)) !== null) {
    const n = Number(match[1]);
    total += n * { d: 86400, h: 3600, m: 60, s: 1 }[match[2] as 'd' | 'h' | 'm' | 's'];
    consumed += match[0];
  }
  if (consumed.replace(/\s/g, '') !== t.replace(/\s/g, '')) return null;
  return Math.round(total);
}

/** Plain number with thousands separators ("12,345"); null → "–". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US');
}

/** Hours with sensible precision: 0.4 → "0.40", 12.345 → "12.3", 12345.6 → "12,346". */
export function formatHours(h: number | null | undefined): string {
  if (h === null || h === undefined || !Number.isFinite(h)) return '–';
  if (h === 0) return '0';
  if (Math.abs(h) >= 1000) return Math.round(h).toLocaleString('en-US');
  return formatSignificant(h, 3);
}

/** Date/time in the browser's time zone, ISO-like and sortable: "2026-03-04 13:05:09". */
export function formatDateTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '–';
  const d = typeof iso === 'number' ? new Date(iso) : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "3 minutes ago" style relative time against `now` (ms). */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return String(iso);
  const diff = Math.round((now - t) / 1000);
  if (Math.abs(diff) < 60) return 'just now';
  const text = formatDuration(Math.abs(diff));
  return diff > 0 ? `${text} ago` : `in ${text}`;
}
