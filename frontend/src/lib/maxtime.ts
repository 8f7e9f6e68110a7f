// A partition's MaxTime as people type it: SLURM "d-hh:mm:ss" (also "hh:mm:ss", "d-hh", "d-hh:mm"), or hours ("24",
// "1.5", "36h"); also "90m", "2d". The API stores seconds.
import { formatDurationClock } from './format';

/** Text → seconds; '' → null (no limit); unreadable → undefined. */
export function parseMaxTime(text: string): number | null | undefined {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  // Hours: a bare number.
  if (/^\d+(\.\d+)?$/.test(t)) return positive(Math.round(Number(t) * 3600));
  // SLURM time formats: d-hh, d-hh:mm, d-hh:mm:ss, hh:mm:ss (mm:ss is not accepted: too easily misread).
  const slurm = /^(?:(\d+)-)?(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(t);
  if (slurm && (slurm[1] !== undefined || slurm[4] !== undefined)) {
    const [, d, h, m, s] = slurm;
    if ((m !== undefined && Number(m) > 59) || (s !== undefined && Number(s) > 59)) return undefined;
    return positive(Number(d ?? 0) * 86400 + Number(h) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0));
  }
  // Units: 2d 12h, 90m, 36h.
  const re = /(\d+(?:\.\d+)?)\s*(d|h|m|s)/g;
  let total = 0;
  let consumed = '';
  let match: RegExpExecArray | null;
  while ((match = re.exec(t)) !== null) {
    total += Number(match[1]) * { d: 86400, h: 3600, m: 60, s: 1 }[match[2] as 'd' | 'h' | 'm' | 's'];
    consumed += match[0];
  }
  if (consumed === '' || consumed.replace(/\s/g, '') !== t.replace(/\s/g, '')) return undefined;
  return positive(Math.round(total));
}

function positive(n: number): number | undefined {
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Seconds → "d-hh:mm:ss" (days only when there are some); null → ''. */
export function formatMaxTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return '';
  return formatDurationClock(Math.round(seconds));
}

/** Readable description for the hint below the field: "2 days 4 hours" style. */
export function describeMaxTime(seconds: number): string {
  const parts: string[] = [];
  let s = seconds;
  for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]] as const) {
    const k = Math.floor(s / size);
    if (k > 0) parts.push(`${k} ${unit}${k === 1 ? '' : 's'}`);
    s -= k * size;
  }
  return parts.join(' ');
}
