/** JsonBytes' own writers against what they stand in for: toString(16).toUpperCase(), JSON.stringify and formatTime. */
import { formatTime } from '@jpki-validator/x509';
import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../src/json/json-bytes.js';

const text = (write: (out: JsonBytes) => void): string => {
  const out = new JsonBytes(4); // tiny, so every writer also grows the buffer
  write(out);
  return Buffer.from(out.result()).toString('utf8');
};

describe('JsonBytes', () => {
  it('writes a serial as JSON upper-case hex, from 0 to the largest safe integer', () => {
    for (const value of [
      0,
      1,
      9,
      10,
      15,
      16,
      255,
      256,
      0x7000001,
      0x7fffffff,
      0x80000000,
      0xfedcba98,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 32 + 15,
      2 ** 48 + 5,
      Number.MAX_SAFE_INTEGER,
    ]) {
      expect(text((out) => out.hexString(value))).toBe(`"${value.toString(16).toUpperCase()}"`);
    }
  });

  it('writes strings as JSON.stringify does, short or long, plain or escaped', () => {
    const strings = [
      '',
      'a',
      'row-1',
      'quote " and \\ backslash',
      'tab\t\n\u0000\u001f',
      'del \u007f',
      'é 日本',
      'lone \ud800 surrogate',
      'x'.repeat(64),
      'x'.repeat(65),
      `${'y'.repeat(63)}é`,
    ];
    for (const s of strings) {
      expect(text((out) => out.jsonString(s))).toBe(JSON.stringify(s));
      expect(text((out) => out.utf8(s))).toBe(Buffer.from(s, 'utf8').toString('utf8'));
    }
    expect(text((out) => out.ascii('2026-11-24T05:00:00Z'))).toBe('2026-11-24T05:00:00Z');
  });

  it('writes a time as JSON.stringify(formatTime(ms)): every second of a day, every day of 1970 … 9999, the edges and beyond', () => {
    const day = Date.UTC(2026, 10, 24);
    for (let s = 0; s < 86_400; s += 1)
      expect(text((out) => out.time(day + s * 1000 + (s % 1000)))).toBe(JSON.stringify(formatTime(day + s * 1000 + (s % 1000))));
    const days: number[] = [];
    // a time of day that moves through the hours, minutes and seconds as the days go by
    for (let d = 0, end = Math.floor(253_402_300_799_999 / 86_400_000); d <= end; d++)
      days.push(d * 86_400_000 + ((d * 7919) % 86_400) * 1000 + (d % 1000));
    const edges = [0, 999, 1000, 86_399_999, 253_402_300_799_999, 253_402_300_800_000, -1, -86_400_000, -62_167_219_200_000, 8.64e15];
    const instants = [...days, ...edges];
    const written = text((out) => {
      for (const ms of instants) out.time(ms);
    });
    expect(written).toBe(instants.map((ms) => JSON.stringify(formatTime(ms))).join(''));
  });
});
