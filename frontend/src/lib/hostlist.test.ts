import { describe, expect, it } from 'vitest';
import { compressHostlist, expandHostlist, HostlistError, tryExpandHostlist } from './hostlist';

describe('expandHostlist', () => {
  it('expands ranges and keeps zero padding', () => {
    expect(expandHostlist('hkn[0001-0003,0005]')).toEqual(['hkn0001', 'hkn0002', 'hkn0003', 'hkn0005']);
  });
  it('expands several groups separated by commas', () => {
    expect(expandHostlist('a[1-2],b[08-10],c')).toEqual(['a1', 'a2', 'b08', 'b09', 'b10', 'c']);
  });
  it('accepts whitespace as a separator', () => {
    expect(expandHostlist(' n1  n2,n3 ')).toEqual(['n1', 'n2', 'n3']);
  });
  it('expands several bracket groups in one name as a product', () => {
    expect(expandHostlist('r[1-2]n[1-2]')).toEqual(['r1n1', 'r1n2', 'r2n1', 'r2n2']);
  });
  it('keeps suffixes after brackets', () => {
    expect(expandHostlist('gpu[1-2]-ib')).toEqual(['gpu1-ib', 'gpu2-ib']);
  });
  it('does not pad unpadded ranges', () => {
    expect(expandHostlist('n[8-11]')).toEqual(['n8', 'n9', 'n10', 'n11']);
  });
  it('drops duplicates, keeps order', () => {
    expect(expandHostlist('n[1-2],n1')).toEqual(['n1', 'n2']);
  });
  it('returns nothing for an empty expression', () => {
    expect(expandHostlist('')).toEqual([]);
  });
  it.each([
    ['n[1-3', /unclosed/],
    ['n1-3]', /without/],
    ['n[3-1]', /backwards/],
    ['n[a-b]', /not a number/],
    ['n[]', /empty/],
    ['n[1-2[3]]', /nested/],
    ['n[1-99999999]', /more than/],
    ['bad/host', /characters/],
  ])('rejects %s', (expr, message) => {
    expect(() => expandHostlist(expr)).toThrow(HostlistError);
    expect(() => expandHostlist(expr)).toThrow(message);
  });
  it('tryExpandHostlist returns an error instead of throwing', () => {
    expect(tryExpandHostlist('n[1-2]')).toEqual({ hosts: ['n1', 'n2'] });
    expect(tryExpandHostlist('n[2-1]').error).toMatch(/backwards/);
  });
});

describe('compressHostlist', () => {
  it('compresses runs and keeps padding', () => {
    expect(compressHostlist(['hkn0001', 'hkn0002', 'hkn0003', 'hkn0005'])).toBe('hkn[0001-0003,0005]');
    expect(compressHostlist(['n1'])).toBe('n1');
    expect(compressHostlist(['login', 'n2', 'n1'])).toBe('login,n[1-2]');
  });
  it('round-trips', () => {
    const hosts = expandHostlist('a[001-010,012],b[1-3]');
    expect(expandHostlist(compressHostlist(hosts))).toEqual(hosts);
  });
});
