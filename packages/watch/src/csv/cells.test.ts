import { describe, expect, it } from 'vitest';
import { readNotAfterCell, readSerialCell } from './cells.js';

const b = (s: string) => Buffer.from(s, 'utf8');
const serial = (s: string) => readSerialCell(b(s), 0, b(s).length);
const notAfter = (s: string) => readNotAfterCell(b(s), 0, b(s).length);

describe('watch-list cells', () => {
  it('serials: hex with or without 0x and leading zeros; in range a number, beyond it a bigint; garbage refused', () => {
    expect(serial('7F00D015')).toBe(0x7f00d015);
    expect(serial('0x00ff')).toBe(255);
    expect(serial('FFFFFFFF')).toBe(0xffffffff);
    expect(serial('100000000')).toBe(0x100000000n);
    expect(serial('0102030405060708090A0B0C0D0E0F1011121314')).toBe(0x0102030405060708090a0b0c0d0e0f1011121314n);
    expect(() => serial('xyz')).toThrow(/hexadecimal/);
    expect(() => serial('')).toThrow(/empty/);
    expect(() => serial('01'.repeat(21))).toThrow(/octets/);
  });

  it('notAfter: an ISO date is midnight UTC, an RFC 3339 time needs its offset; impossible dates are refused', () => {
    expect(notAfter('2031-03-31')).toBe(Date.UTC(2031, 2, 31));
    expect(notAfter('2031-03-31T14:59:59Z')).toBe(Date.UTC(2031, 2, 31, 14, 59, 59));
    expect(notAfter('2031-03-31T23:59:59+09:00')).toBe(Date.UTC(2031, 2, 31, 14, 59, 59));
    expect(() => notAfter('2031-02-30')).toThrow(/not a valid date|not an ISO date/);
    expect(() => notAfter('2031-03-31T14:59:59')).toThrow(/offset/);
    expect(() => notAfter('31/03/2031')).toThrow(/not an ISO date/);
  });
});
