import { describe, expect, it } from 'vitest';
import { DerError } from '../errors.js';
import { formatTime, readTimeMs } from './time.js';
import { TAG } from './tlv.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const read = (tag: number, s: string): number => {
  const b = ascii(s);
  return readTimeMs(b, tag, 0, b.length, 't', 0);
};
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

describe('readTimeMs', () => {
  it('agrees with Date.UTC for every day from 1950 to 2060 and for GeneralizedTime far out', () => {
    for (let ms = Date.UTC(1950, 0, 1); ms < Date.UTC(2060, 0, 1); ms += 86_400_000 + 3_599_000) {
      const d = new Date(ms);
      const clock = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
      expect(read(TAG.GENERALIZED_TIME, `${pad(d.getUTCFullYear(), 4)}${clock}`)).toBe(ms);
      if (d.getUTCFullYear() < 2050) expect(read(TAG.UTC_TIME, `${pad(d.getUTCFullYear() % 100)}${clock}`)).toBe(ms);
    }
    expect(read(TAG.GENERALIZED_TIME, '99991231235959Z')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59));
    // Date.UTC maps years 0–99 to 1900–1999, so year 0 needs setUTCFullYear.
    const yearZero = new Date(0);
    yearZero.setUTCFullYear(0, 0, 1);
    expect(read(TAG.GENERALIZED_TIME, '00000101000000Z')).toBe(yearZero.getTime());
  });

  it('reads UTCTime years 50–99 as 19YY and 00–49 as 20YY', () => {
    expect(read(TAG.UTC_TIME, '500101000000Z')).toBe(Date.UTC(1950, 0, 1));
    expect(read(TAG.UTC_TIME, '491231235959Z')).toBe(Date.UTC(2049, 11, 31, 23, 59, 59));
  });

  it.each([
    ['31 February', TAG.UTC_TIME, '260231000000Z'],
    ['29 February in a common year', TAG.UTC_TIME, '250229000000Z'],
    ['29 February 2100 (not a leap year)', TAG.GENERALIZED_TIME, '21000229000000Z'],
    ['31 April', TAG.UTC_TIME, '260431000000Z'],
    ['hour 24', TAG.UTC_TIME, '260101240000Z'],
    ['no Z', TAG.UTC_TIME, '2601010000000'],
    ['fractional seconds', TAG.GENERALIZED_TIME, '20260101000000.5Z'],
    ['missing seconds', TAG.UTC_TIME, '2601010000Z'],
  ])('rejects %s', (_what, tag, s) => {
    expect(() => read(tag, s)).toThrow(DerError);
  });

  it('accepts 29 February in leap years, 2000 included', () => {
    expect(read(TAG.UTC_TIME, '000229120000Z')).toBe(Date.UTC(2000, 1, 29, 12));
    expect(read(TAG.UTC_TIME, '240229000000Z')).toBe(Date.UTC(2024, 1, 29));
  });
});

describe('formatTime', () => {
  const viaDate = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

  it('is toISOString without the milliseconds for every day of 1970 … 9999, at varying times, and at the edges', () => {
    const step = 86_400_000 + 3_599_123; // a day and ~an hour: every day/month/leap combination, every hour of the day over time
    // ~2.8 M instants: compared plainly and reported once (an expect per instant took minutes on a loaded machine)
    const wrong: string[] = [];
    for (let ms = 0; ms < Date.UTC(10_000, 0, 1) && wrong.length < 5; ms += step) {
      const want = viaDate(ms);
      if (formatTime(ms) !== want) wrong.push(`${ms}: ${formatTime(ms)} ≠ ${want}`);
    }
    expect(wrong).toEqual([]);
    for (const ms of [
      0,
      999,
      1000,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2100, 1, 28, 12),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ]) {
      expect(formatTime(ms)).toBe(viaDate(ms));
      expect(formatTime(new Date(ms))).toBe(viaDate(ms));
    }
  });

  it('leaves instants before 1970 and after 9999 to Date, and refuses an invalid one as Date does', () => {
    for (const ms of [-1, -86_400_001, Date.UTC(1950, 5, 15, 1, 2, 3), Date.UTC(10_000, 0, 1), 8.64e15])
      expect(formatTime(ms)).toBe(viaDate(ms));
    expect(formatTime(Date.UTC(1950, 5, 15, 1, 2, 3))).toBe('1950-06-15T01:02:03Z');
    expect(() => formatTime(Number.NaN)).toThrow(RangeError);
    expect(() => formatTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});
