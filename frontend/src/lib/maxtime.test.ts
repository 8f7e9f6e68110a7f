import { describe, expect, it } from 'vitest';
import { describeMaxTime, formatMaxTime, parseMaxTime } from './maxtime';

describe('parseMaxTime', () => {
  it.each([
    ['2-00:00:00', 172800],
    ['1-12:30:15', 86400 + 12 * 3600 + 30 * 60 + 15],
    ['12:00:00', 43200],
    ['1-12', 129600],
    ['1-12:30', 131400],
    ['24', 86400],
    ['1.5', 5400],
    ['36h', 129600],
    ['2d 4h', 187200],
    ['90m', 5400],
    [' 48 ', 172800],
  ])('%s → %d s', (text, seconds) => {
    expect(parseMaxTime(text)).toBe(seconds);
  });
  it('empty means no limit', () => {
    expect(parseMaxTime('')).toBeNull();
    expect(parseMaxTime('  ')).toBeNull();
  });
  it.each(['abc', '12:00', '1-12:61:00', '0', '0:00:00', '-5', '2x', '1h abc'])('rejects %s', (text) => {
    expect(parseMaxTime(text)).toBeUndefined();
  });
});

describe('formatMaxTime', () => {
  it('formats as d-hh:mm:ss', () => {
    expect(formatMaxTime(172800)).toBe('2-00:00:00');
    expect(formatMaxTime(43200)).toBe('12:00:00');
    expect(formatMaxTime(86400 + 3723)).toBe('1-01:02:03');
  });
  it('no limit → empty', () => {
    expect(formatMaxTime(null)).toBe('');
    expect(formatMaxTime(undefined)).toBe('');
    expect(formatMaxTime(0)).toBe('');
  });
  it('round-trips', () => {
    for (const s of [60, 3600, 86399, 86400, 259200 + 5, 30 * 86400]) expect(parseMaxTime(formatMaxTime(s))).toBe(s);
  });
  it('describes', () => {
    expect(describeMaxTime(187200)).toBe('2 days 4 hours');
    expect(describeMaxTime(3661)).toBe('1 hour 1 minute 1 second');
  });
});
