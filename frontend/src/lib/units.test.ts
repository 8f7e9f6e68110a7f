import { describe, expect, it } from 'vitest';
import { formatUnit, prefersBinary } from './format';

// Units as cc-metric-collector sends them (meta "unit"): memstat "kB" (from /proc/meminfo), nvidia "MByte", "watts",
// "MHz", "%", cpustat "Percent", netstat/ibstat "bytes", "bytes/sec", likwid configs "MFlops/s", "Mbyte/s", "Watt".
// Expected strings worked out by hand: value × prefix factor, then the largest SI prefix that keeps 1 ≤ x < 1000.
describe('formatUnit with the units the collectors send', () => {
  it('never stacks a prefix on kB / KB (was "50.0 MKB")', () => {
    // 50,000,000 kB = 5e10 B = 50.0 GB
    expect(formatUnit(50_000_000, 'KB')).toBe('50.0 GB');
    expect(formatUnit(50_000_000, 'kB')).toBe('50.0 GB');
    // 1,536 kB = 1,536,000 B = 1.54 MB
    expect(formatUnit(1536, 'kB')).toBe('1.54 MB');
    expect(formatUnit(512, 'KB')).toBe('512 kB');
    // 0.5 kB = 500 B (a byte count takes no milli prefix)
    expect(formatUnit(0.5, 'kB')).toBe('500 B');
  });
  it('MB, MByte, Mbyte/s, GB', () => {
    // 81,920 MByte = 8.192e10 Byte = 81.9 GByte
    expect(formatUnit(81_920, 'MByte')).toBe('81.9 GByte');
    expect(formatUnit(700, 'MByte')).toBe('700 MByte');
    expect(formatUnit(2500, 'MB')).toBe('2.50 GB');
    expect(formatUnit(12_000, 'Mbyte/s')).toBe('12.0 Gbyte/s');
    expect(formatUnit(512, 'GB')).toBe('512 GB');
    // 0.25 GB = 2.5e8 B = 250 MB
    expect(formatUnit(0.25, 'GB')).toBe('250 MB');
  });
  it('bytes and B/s', () => {
    expect(formatUnit(1_250_000, 'bytes')).toBe('1.25 Mbytes');
    expect(formatUnit(3.2e9, 'bytes/sec')).toBe('3.20 Gbytes/sec');
    expect(formatUnit(980, 'B/s')).toBe('980 B/s');
    expect(formatUnit(0.5, 'B/s')).toBe('0.500 B/s');
    expect(formatUnit(4.2e10, 'B/s')).toBe('42.0 GB/s');
  });
  it('binary prefixed units stay binary', () => {
    // 2048 MiB = 2 GiB
    expect(formatUnit(2048, 'MiB')).toBe('2.00 GiB');
    // 1536 KiB = 1.5 MiB
    expect(formatUnit(1536, 'KiB')).toBe('1.50 MiB');
    expect(prefersBinary('MiB')).toBe(true);
  });
  it('FLOP/s and MFlops/s', () => {
    expect(formatUnit(8e9, 'FLOP/s')).toBe('8.00 GFLOP/s');
    // 8,000 MFlops/s = 8e9 Flops/s
    expect(formatUnit(8000, 'MFlops/s')).toBe('8.00 GFlops/s');
    expect(formatUnit(1300, 'GFLOP/s')).toBe('1.30 TFLOP/s');
  });
  it('W, watts, Watt, MHz', () => {
    expect(formatUnit(250, 'W')).toBe('250 W');
    expect(formatUnit(1500, 'W')).toBe('1.50 kW');
    expect(formatUnit(300, 'watts')).toBe('300 watts');
    expect(formatUnit(2_400_000, 'watts')).toBe('2.40 Mwatts');
    expect(formatUnit(95.5, 'Watt')).toBe('95.5 Watt');
    // 1,410 MHz = 1.41 GHz
    expect(formatUnit(1410, 'MHz')).toBe('1.41 GHz');
    expect(formatUnit(0.5, 'kW')).toBe('500 W');
  });
  it('%, Percent and degC take no prefix', () => {
    expect(formatUnit(99.5, '%')).toBe('99.5 %');
    expect(formatUnit(1600, '%')).toBe('1600 %');
    expect(formatUnit(1600, 'Percent')).toBe('1600 Percent');
    expect(formatUnit(0.5, 'Percent')).toBe('0.500 Percent');
    expect(formatUnit(71, 'degC')).toBe('71.0 degC');
  });
  it('units that merely start with a prefix letter are not split', () => {
    // "Kelvin" is not k + a known base: SI prefix on the whole unit.
    expect(formatUnit(1500, 'Kelvin')).toBe('1.50 kKelvin');
    expect(formatUnit(2500, 'packets/sec')).toBe('2.50 kpackets/sec');
    expect(formatUnit(0.005, 'sec')).toBe('5.00 msec');
  });
});
