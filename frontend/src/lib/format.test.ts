import { describe, expect, it } from 'vitest';
import {
  formatCount, formatDuration, formatDurationClock, formatHours, formatSignificant, formatUnit, parseDurationInput, formatRelative,
} from './format';

describe('formatUnit', () => {
  it('uses SI prefixes', () => {
    expect(formatUnit(1.5e9, 'B/s')).toBe('1.50 GB/s');
    expect(formatUnit(15e9, 'B/s')).toBe('15.0 GB/s');
    expect(formatUnit(150e9, 'B/s')).toBe('150 GB/s');
  });
  it('moves an already prefixed unit up instead of stacking prefixes', () => {
    expect(formatUnit(1300, 'GFLOP/s')).toBe('1.30 TFLOP/s');
    expect(formatUnit(900, 'GFLOP/s')).toBe('900 GFLOP/s');
    expect(formatUnit(4000, 'GB')).toBe('4.00 TB');
    expect(formatUnit(1600, 'kW')).toBe('1.60 MW');
    expect(formatUnit(999, 'W')).toBe('999 W');
    expect(formatUnit(1000, 'W')).toBe('1.00 kW');
    expect(formatUnit(2.5e12, 'FLOP/s')).toBe('2.50 TFLOP/s');
  });
  it('moves to the next prefix when rounding reaches 1000', () => {
    expect(formatUnit(999_999, 'B')).toBe('1.00 MB');
  });
  it('uses binary prefixes when asked', () => {
    expect(formatUnit(1.5 * 2 ** 30, 'B', { binary: true })).toBe('1.50 GiB');
    expect(formatUnit(1024, 'B', { binary: true })).toBe('1.00 KiB');
    expect(formatUnit(512, 'B', { binary: true })).toBe('512 B');
    expect(formatUnit(3 * 2 ** 40, 'B/s', { binary: true })).toBe('3.00 TiB/s');
  });
  it('uses small prefixes below 1 for units', () => {
    expect(formatUnit(0.005, 's')).toBe('5.00 ms');
    expect(formatUnit(2.5e-6, 's')).toBe('2.50 µs');
  });
  it('handles zero, negatives, missing values, percentages and no unit', () => {
    expect(formatUnit(0, 'B')).toBe('0 B');
    expect(formatUnit(-2e6, 'W')).toBe('-2.00 MW');
    expect(formatUnit(null, 'B')).toBe('–');
    expect(formatUnit(undefined)).toBe('–');
    expect(formatUnit(Number.NaN, 'B')).toBe('–');
    expect(formatUnit(99.5, '%')).toBe('99.5 %');
    expect(formatUnit(1500)).toBe('1.50 k');
    expect(formatUnit(0.25)).toBe('0.250');
    expect(formatUnit(7)).toBe('7.00');
  });
  it('respects digits', () => {
    expect(formatUnit(1234567, 'B', { digits: 4 })).toBe('1.235 MB');
  });
});

describe('formatSignificant', () => {
  it('rounds to significant digits', () => {
    expect(formatSignificant(1.5)).toBe('1.50');
    expect(formatSignificant(9.999)).toBe('10.0');
    expect(formatSignificant(0.012345)).toBe('0.0123');
    expect(formatSignificant(123456)).toBe('123456');
  });
});

describe('durations', () => {
  it('humanizes', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(303)).toBe('5m 03s');
    expect(formatDuration(7500)).toBe('2h 05m');
    expect(formatDuration(3 * 86400 + 4 * 3600 + 59)).toBe('3d 4h');
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(-90)).toBe('-1m 30s');
  });
  it('formats clock style', () => {
    expect(formatDurationClock(3661)).toBe('01:01:01');
    expect(formatDurationClock(86400 + 5)).toBe('1-00:00:05');
    expect(formatDurationClock(null)).toBe('–');
  });
  it('parses what people type', () => {
    expect(parseDurationInput('90')).toBe(90);
    expect(parseDurationInput('90s')).toBe(90);
    expect(parseDurationInput('5m')).toBe(300);
    expect(parseDurationInput('1h30m')).toBe(5400);
    expect(parseDurationInput('2d 4h')).toBe(2 * 86400 + 4 * 3600);
    expect(parseDurationInput('1.5h')).toBe(5400);
    expect(parseDurationInput('1:30:00')).toBe(5400);
    expect(parseDurationInput('10:30')).toBe(630);
    expect(parseDurationInput('2-04:00:00')).toBe(2 * 86400 + 4 * 3600);
    expect(parseDurationInput('')).toBeNull();
    expect(parseDurationInput('soon')).toBeNull();
    expect(parseDurationInput('5x')).toBeNull();
    expect(parseDurationInput('1h junk')).toBeNull();
  });
  it('relative times', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatRelative('2026-01-01T11:55:00Z', now)).toBe('5m 00s ago');
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative('2026-01-01T11:59:50Z', now)).toBe('just now');
  });
});

describe('counts and hours', () => {
  it('formats', () => {
    expect(formatCount(12345)).toBe('12,345');
    expect(formatHours(0.4)).toBe('0.400');
    expect(formatHours(12.345)).toBe('12.3');
    expect(formatHours(12345.6)).toBe('12,346');
    expect(formatHours(0)).toBe('0');
  });
});
