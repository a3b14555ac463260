import { describe, expect, it } from 'vitest';
import { formatSerial, parseSerial, serialFromDer } from './serial.js';
import { SerialError } from './errors.js';
import { integerContent } from './der/writer.js';

describe('parseSerial', () => {
  it('accepts the forms users type', () => {
    expect(parseSerial('7f00d015')).toBe(0x7f00d015n);
    expect(parseSerial('0x7F00D015')).toBe(0x7f00d015n);
    expect(parseSerial('0007F00D015')).toBe(0x7f00d015n);
    expect(parseSerial('0')).toBe(0n);
    expect(parseSerial('00')).toBe(0n);
    expect(parseSerial('f'.repeat(40))).toBe((1n << 160n) - 1n);
  });
  it.each(['', '0x', 'xyz', '-1', '12 34', 'f'.repeat(41), '0x-1'])('rejects %j with SERIAL_MALFORMED', (s) => {
    expect(() => parseSerial(s)).toThrow(SerialError);
  });
});

describe('formatSerial', () => {
  it('prints the shortest upper-case hex, and negatives like OpenSSL', () => {
    expect(formatSerial(0x7f00d015n)).toBe('7F00D015');
    expect(formatSerial(1n)).toBe('1');
    expect(formatSerial(0n)).toBe('0');
    expect(formatSerial(-1n)).toBe('-01');
    expect(formatSerial(-0x100n)).toBe('-0100');
  });
  it('round-trips DER INTEGER content, keeping +255 and -1 apart', () => {
    for (const v of [0n, 1n, 127n, 128n, 255n, -1n, -128n, -129n, 0x7f00d015n, (1n << 159n) - 3n, -(1n << 100n) + 7n]) {
      const c = integerContent(v);
      expect(serialFromDer(c, 0, c.length)).toBe(v);
    }
    expect(formatSerial(serialFromDer(Uint8Array.of(0x00, 0xff), 0, 2))).toBe('FF');
    expect(formatSerial(serialFromDer(Uint8Array.of(0xff), 0, 1))).toBe('-01');
  });
});
