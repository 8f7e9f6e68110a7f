// Number, unit and duration formatting for tables and charts.

const SI_UP = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
const SI_DOWN = ['', 'm', 'µ', 'n'];
const BIN_UP = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
/** An SI-prefixed unit of something Jobmon scales itself: "GB/s", "GFLOP/s", "kW", "MHz". */
const PREFIXED_UNIT = /^([kMGTP])(B|B\/s|FLOP|FLOP\/s|FLOPS|W|Hz|bit|bit\/s|b\/s|byte|bytes)$/;

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
  const noPrefix = unit === '%';
  if (noPrefix) return `${formatSignificant(value, digits)}${sep}${unit}`;
  // A unit that already has a prefix ("GFLOP/s", "GB/s" from the catalogue): 1300 GFLOP/s reads better as 1.30 TFLOP/s
  // than as "1.30 kGFLOP/s". Values below 1000 keep the unit as given.
  const prefixed = PREFIXED_UNIT.exec(unit);
  if (prefixed && Math.abs(value) >= 1000) {
    return formatUnit(value * 1000 ** (SI_UP.indexOf(prefixed[1])), prefixed[2], { ...options, binary: false, small: false });
  }
  const base = options.binary ? 1024 : 1000;
  const up = options.binary ? BIN_UP : SI_UP;
  const abs = Math.abs(value);
  const allowSmall = options.small ?? (unit !== '' && !options.binary);
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
