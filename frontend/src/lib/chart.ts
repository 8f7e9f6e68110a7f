// Pure helpers for the metric charts: series colours, time-axis ticks and their 24-hour labels.

/**
 * Colour of series `index`: hues spaced by the golden angle (so neighbours and series 12 apart never look alike,
 * unlike a repeating 12-colour list), with three lightness steps so hues that come round again still differ.
 */
export function seriesColor(index: number): string {
  const hue = Math.round((index * 137.508) % 360);
  const lightness = [42, 58, 34][Math.floor(index / 3) % 3];
  const saturation = index % 2 === 0 ? 70 : 85;
  return `hsl(${hue}, ${saturation}%, ${lightness}%)`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Tick steps: 1 s … 30 d. */
const STEPS = [1000, 5000, 10_000, 15_000, 30_000, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY];

/** Minimum horizontal room per label ("03-04 13:05" is ~70 px wide). */
export const MIN_TICK_SPACING_PX = 90;

/**
 * Tick times (ms) for [min, max] on an axis `widthPx` wide: the smallest step giving at most one label per
 * MIN_TICK_SPACING_PX, aligned to whole local minutes/hours/days, so labels never overlap.
 */
export function timeTicks(min: number, max: number, widthPx: number): number[] {
  if (!(max > min) || !(widthPx > 0)) return Number.isFinite(min) ? [min] : [];
  const maxTicks = Math.max(2, Math.floor(widthPx / MIN_TICK_SPACING_PX));
  const step = STEPS.find((s) => (max - min) / s <= maxTicks) ?? Math.ceil((max - min) / maxTicks / DAY) * DAY;
  // Align to the local time zone (a 6 h step starts at 00:00 local, not UTC).
  const offset = new Date(min).getTimezoneOffset() * MINUTE;
  let t = Math.ceil((min - offset) / step) * step + offset;
  if (step >= DAY) {
    const d = new Date(min);
    d.setHours(0, 0, 0, 0);
    if (d.getTime() < min) d.setDate(d.getDate() + 1);
    t = d.getTime();
  }
  const ticks: number[] = [];
  for (; t <= max && ticks.length < 1000; t += step) ticks.push(t);
  return ticks;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * 24-hour label of a tick: "HH:mm" (with ":ss" when the ticks are less than a minute apart); when the axis spans
 * more than one day, ticks on a new day (and the first tick) carry the date "MM-DD HH:mm".
 */
export function formatTick(t: number, index: number, ticks: number[]): string {
  const d = new Date(t);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : MINUTE;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${step < MINUTE ? `:${pad(d.getSeconds())}` : ''}`;
  const first = new Date(ticks[0]);
  const last = new Date(ticks[ticks.length - 1]);
  const spansDays = first.toDateString() !== last.toDateString();
  if (!spansDays) return time;
  const previous = index > 0 ? new Date(ticks[index - 1]) : null;
  const newDay = !previous || previous.toDateString() !== d.toDateString();
  return newDay ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}

/**
 * The interval (s) to fetch for a zoomed window of the job page: the finest of the server's `intervals` giving at
 * most `target` points over [fromMs, toMs]; null when that is not finer than the `current` one (nothing to fetch).
 */
export function finerInterval(intervals: number[], current: number, fromMs: number, toMs: number, target = 600): number | null {
  const seconds = (toMs - fromMs) / 1000;
  const fitting = [...intervals].sort((a, b) => a - b).find((s) => seconds / s <= target);
  return fitting !== undefined && fitting < current ? fitting : null;
}
