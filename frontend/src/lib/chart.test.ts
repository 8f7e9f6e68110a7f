import { describe, expect, it } from 'vitest';
import { finerInterval, formatTick, seriesColor, timeTicks } from './chart';

describe('seriesColor', () => {
  it('gives 64 series 64 different colours', () => {
    const colours = Array.from({ length: 64 }, (_, i) => seriesColor(i));
    expect(new Set(colours).size).toBe(64);
  });
  it('does not repeat after 12 (demo001 and demo013 differ)', () => {
    expect(seriesColor(0)).toBe('hsl(0, 70%, 42%)');
    // 12 × 137.508° = 1650.1° → 210° (mod 360); 12 / 3 = 4 → lightness step 4 % 3 = 1 (58 %).
    expect(seriesColor(12)).toBe('hsl(210, 70%, 58%)');
  });
});

describe('timeTicks', () => {
  const at = (h: number, m = 0, day = 4) => new Date(2026, 2, day, h, m).getTime();
  it('keeps a 2 h window on a 600 px axis to at most 6 labels on whole quarter hours', () => {
    // 600 / 90 = 6 labels at most: 2 h / 30 min = 4 ≤ 6, 2 h / 15 min = 8 > 6.
    const ticks = timeTicks(at(10, 7), at(12, 7), 600);
    expect(ticks).toEqual([at(10, 30), at(11), at(11, 30), at(12)]);
  });
  it('uses finer steps on wider axes', () => {
    // 1200 px: 13 labels at most: 2 h / 10 min = 12.
    expect(timeTicks(at(10), at(12), 1200).length).toBe(13); // 10:00 … 12:00 inclusive
  });
  it('starts whole days at local midnight', () => {
    // 400 / 90 = 4 labels at most: 7 d / 1 d = 7 > 4, 7 d / 2 d = 3.5: every other midnight from the 2nd.
    expect(timeTicks(at(10, 0, 1), at(10, 0, 8), 400)).toEqual([at(0, 0, 2), at(0, 0, 4), at(0, 0, 6), at(0, 0, 8)]);
  });
});

describe('formatTick', () => {
  const at = (h: number, m = 0, day = 4) => new Date(2026, 2, day, h, m).getTime();
  it('is 24-hour HH:mm within a day', () => {
    const ticks = [at(13), at(13, 30), at(14)];
    expect(ticks.map((t, i) => formatTick(t, i, ticks))).toEqual(['13:00', '13:30', '14:00']);
  });
  it('adds the date on the first tick and on each new day', () => {
    const ticks = [at(18), at(0, 0, 5), at(6, 0, 5), at(12, 0, 5)];
    expect(ticks.map((t, i) => formatTick(t, i, ticks))).toEqual(['03-04 18:00', '03-05 00:00', '06:00', '12:00']);
  });
  it('shows seconds when ticks are less than a minute apart', () => {
    const ticks = [at(9), at(9) + 30_000];
    expect(formatTick(ticks[1], 1, ticks)).toBe('09:00:30');
  });
});

describe('finerInterval', () => {
  const intervals = [10, 30, 60, 120, 300, 600];
  it('picks the finest interval giving at most 600 points for the zoomed window', () => {
    // 2 h zoomed from a 24 h job shown at 300 s: 7200 s / 10 s = 720 > 600, / 30 s = 240.
    expect(finerInterval(intervals, 300, 0, 7_200_000)).toBe(30);
    // 30 min: 1800 s / 10 s = 180.
    expect(finerInterval(intervals, 300, 0, 1_800_000)).toBe(10);
  });
  it('fetches nothing when the shown interval is already as fine', () => {
    expect(finerInterval(intervals, 30, 0, 7_200_000)).toBeNull();
  });
});
