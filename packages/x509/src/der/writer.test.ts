import { describe, expect, it } from 'vitest';
import { encodeLength, integerContent } from './writer.js';
import { readTlv } from './tlv.js';

describe('DER writer', () => {
  it('encodes minimal lengths that the reader accepts', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 65535, 65536, 16_777_216]) {
      const len = encodeLength(n);
      const buf = new Uint8Array(1 + len.length + n);
      buf[0] = 0x04;
      buf.set(len, 1);
      expect(readTlv(buf, 0, buf.length, 't').contentEnd - readTlv(buf, 0, buf.length, 't').contentStart).toBe(n);
    }
  });
  it("encodes integers in minimal two's complement", () => {
    const hex = (v: bigint) => Buffer.from(integerContent(v)).toString('hex');
    expect(hex(0n)).toBe('00');
    expect(hex(127n)).toBe('7f');
    expect(hex(128n)).toBe('0080');
    expect(hex(255n)).toBe('00ff');
    expect(hex(-1n)).toBe('ff');
    expect(hex(-128n)).toBe('80');
    expect(hex(-129n)).toBe('ff7f');
    expect(hex(-256n)).toBe('ff00');
    expect(hex(0x7f00d015n)).toBe('7f00d015');
  });
});
