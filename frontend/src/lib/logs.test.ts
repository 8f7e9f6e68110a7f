import { describe, expect, it } from 'vitest';
import { appendLines, levelRank } from './logs';

const line = (n: number) => ({ time: `t${n}`, level: 'Information', category: 'c', message: `m${n}`, correlationId: null });

describe('live log lines', () => {
  it('keeps the newest lines up to the maximum', () => {
    const a = Array.from({ length: 4 }, (_, i) => line(i));
    expect(appendLines(a, [line(4), line(5)], 5).map((l) => l.message)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(appendLines(a, [])).toBe(a);
  });
  it('ranks levels', () => {
    expect(levelRank('Warning')).toBeGreaterThan(levelRank('Information'));
    expect(levelRank('Error')).toBeGreaterThan(levelRank('Warning'));
    expect(levelRank('Information')).toBeGreaterThan(levelRank('Debug'));
    expect(levelRank('None')).toBe(levelRank('Debug'));
  });
});
