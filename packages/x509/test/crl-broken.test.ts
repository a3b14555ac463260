import { describe, expect, test } from 'vitest';
import { CrlScanner, DerError, X509Error, readTlv, scanCrlBuffer, type CrlScanOptions, type CrlScanResult } from '../src/index.js';
import { buildCrl, concatBytes, extension, nested, sequence } from './crl-build.js';

/** Runs a scan and returns the DerError it throws (the test fails if it throws anything else, or nothing). */
function derError(bytes: Uint8Array, options: CrlScanOptions = {}, chunk = 0): DerError {
  try {
    if (chunk > 0) {
      const s = new CrlScanner(options);
      for (let i = 0; i < bytes.length; i += chunk) s.push(bytes.subarray(i, i + chunk));
      s.end();
    } else {
      scanCrlBuffer(bytes, options);
    }
  } catch (e) {
    if (e instanceof DerError) return e;
    throw e;
  }
  throw new Error('expected a DerError, the scan succeeded');
}

function entryOffsets(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  scanCrlBuffer(bytes, { onEntry: (e) => offsets.push(e.offset) });
  return offsets;
}

const good = buildCrl();
const offsets = entryOffsets(good);
const tbsStart = readTlv(good, 0, good.length, 'crl').contentStart;

describe('broken CRLs give a DerError with code, absolute offset and field path', () => {
  test('truncated at every offset: DER_TRUNCATED naming the field being read, same for whole and 1-byte input', () => {
    for (let cut = 0; cut < good.length; cut++) {
      const bytes = good.subarray(0, cut);
      const e = derError(bytes);
      expect({ cut, code: e.code }).toEqual({ cut, code: 'DER_TRUNCATED' });
      expect(e.offset).toBeLessThanOrEqual(cut);
      const split = derError(bytes, {}, 1);
      expect({ cut, code: split.code, offset: split.offset, path: split.path }).toEqual({
        cut,
        code: e.code,
        offset: e.offset,
        path: e.path,
      });
    }
    // Cut inside the second entry: the error names that entry and points at its first byte.
    const inside = derError(good.subarray(0, (offsets[1] as number) + 5));
    expect(inside.path).toBe('tbsCertList.revokedCertificates[1]');
    expect(inside.offset).toBe(offsets[1]);
    expect(derError(good.subarray(0, tbsStart + 3)).path).toBe('tbsCertList.version');
    expect(derError(good.subarray(0, good.length - 3)).path).toBe('signatureValue');
  });

  test('trailing bytes after the CertificateList: DER_TRAILING_DATA at its end', () => {
    const e = derError(concatBytes([good, Uint8Array.of(0, 0)]));
    expect([e.code, e.offset]).toEqual(['DER_TRAILING_DATA', good.length]);
    const split = derError(concatBytes([good, Uint8Array.of(0x30)]), {}, 7);
    expect([split.code, split.offset]).toEqual(['DER_TRAILING_DATA', good.length]);
  });

  test('an entry length that overruns revokedCertificates: DER_MALFORMED at that entry', () => {
    const bytes = good.slice();
    const last = offsets[2] as number;
    bytes[last + 1] = (bytes[last + 1] as number) + 40;
    const e = derError(bytes);
    expect([e.code, e.offset, e.path]).toEqual(['DER_MALFORMED', last, 'tbsCertList.revokedCertificates[2]']);
    expect(e.message).toMatch(/runs past the end of revokedCertificates/);
  });

  test('a field inside an entry that overruns the entry: DER_MALFORMED naming the field', () => {
    const bytes = good.slice();
    const first = offsets[0] as number;
    bytes[first + 3] = 0x30; // the serial INTEGER's length
    const e = derError(bytes);
    expect([e.code, e.offset, e.path]).toEqual(['DER_MALFORMED', first + 2, 'tbsCertList.revokedCertificates[0].userCertificate']);
  });

  test('indefinite and non-minimal lengths are not DER', () => {
    const indefinite = concatBytes([Uint8Array.of(0x30, 0x80), good.subarray(4), Uint8Array.of(0, 0)]);
    expect([derError(indefinite).code, derError(indefinite).offset]).toEqual(['DER_MALFORMED', 1]);
    const e = derError(concatBytes([good.subarray(0, tbsStart), Uint8Array.of(0x30, 0x82, 0x00, 0x10), good.subarray(tbsStart + 4)]));
    expect([e.code, e.offset, e.path]).toEqual(['DER_MALFORMED', tbsStart + 2, 'tbsCertList']);
    // an entry with a long-form length for a short entry
    const entryStart = offsets[0] as number;
    const len = good[entryStart + 1] as number;
    const longForm = concatBytes([good.subarray(0, entryStart), Uint8Array.of(0x30, 0x81, len), good.subarray(entryStart + 2)]);
    const fixed = fixLengths(longForm, 1);
    const le = derError(fixed);
    expect([le.code, le.offset, le.path]).toEqual(['DER_MALFORMED', entryStart + 1, 'tbsCertList.revokedCertificates[0]']);
  });

  test('a huge declared length: INPUT_TOO_LARGE before reading on (maxBytes), DER_MALFORMED when it overruns a parent', () => {
    const huge = concatBytes([Uint8Array.of(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff), good.subarray(2)]);
    const e = derError(huge, { maxBytes: 1_000_000 });
    expect([e.code, e.offset, e.path]).toEqual(['INPUT_TOO_LARGE', 0, 'certificateList']);
    const bytes = buildCrl({ entries: Array.from({ length: 12 }, (_, i) => ({ serial: i + 1 })) });
    // tbsCertList claims more than CertificateList holds: raise the top octet of its long-form length
    expect((bytes[tbsStart + 1] as number) & 0x80).toBe(0x80);
    expect(bytes[tbsStart + 1]).toBe(0x82);
    bytes[tbsStart + 2] = 0x7f;
    const inner = derError(bytes);
    expect([inner.code, inner.offset, inner.path]).toEqual(['DER_MALFORMED', tbsStart, 'tbsCertList']);
  });

  test('caps: an entry over maxElementBytes and an input over maxBytes (streamed)', () => {
    const big = buildCrl({
      entries: [
        { serial: 1 },
        {
          serial: 2,
          extraExtensions: [
            extension(
              '1.2.3.4',
              false,
              new Uint8Array(300).fill(4).map((_, i) => (i === 0 ? 0x04 : i === 1 ? 0x82 : i === 2 ? 0x01 : i === 3 ? 0x28 : 0)),
            ),
          ],
        },
      ],
    });
    const at = entryOffsets(big)[1] as number;
    for (const chunk of [0, 1, 64]) {
      const e = derError(big, { maxElementBytes: 256 }, chunk);
      expect([e.code, e.offset, e.path]).toEqual(['INPUT_TOO_LARGE', at, 'tbsCertList.revokedCertificates[1]']);
    }
    const header = derError(good, { maxElementBytes: 16 });
    expect([header.code, header.path]).toEqual(['INPUT_TOO_LARGE', 'tbsCertList.issuer']);
    // A CertificateList declaring more than maxBytes is refused from its header (anything past its end is trailing data).
    for (const chunk of [0, 1, 64]) {
      const e = derError(good, { maxBytes: 100 }, chunk);
      expect([e.code, e.offset, e.path]).toEqual(['INPUT_TOO_LARGE', 0, 'certificateList']);
    }
  });

  test('deep nesting inside a known extension: DER_TOO_DEEP (maxDepth), in crlExtensions and in an entry', () => {
    // issuerAltName and certificateIssuer are known, so their values are read as DER; an unknown extension's value is opaque
    const crlExt = buildCrl({ crlExtensions: [extension('2.5.29.18', false, nested(40))] });
    const e = derError(crlExt);
    expect([e.code, e.path]).toEqual(['DER_TOO_DEEP', 'tbsCertList.crlExtensions[0].extnValue']);
    expect(scanCrlBuffer(crlExt, { maxDepth: 64 }).extensions[0]?.oid).toBe('2.5.29.18');
    expect(scanCrlBuffer(buildCrl({ crlExtensions: [extension('1.2.3.5', false, nested(40))] })).extensions[0]?.oid).toBe('1.2.3.5');
    const entryExt = buildCrl({
      entries: [{ serial: 1 }, { serial: 2, reason: 1, extraExtensions: [extension('2.5.29.29', false, nested(33))] }],
    });
    const ee = derError(entryExt, {}, 5);
    expect([ee.code, ee.path]).toEqual(['DER_TOO_DEEP', 'tbsCertList.revokedCertificates[1].crlEntryExtensions[1].extnValue']);
    const at = entryOffsets(
      buildCrl({ entries: [{ serial: 1 }, { serial: 2, reason: 1, extraExtensions: [extension('1.2.3.6', false, nested(3))] }] }),
    )[1] as number;
    expect(ee.offset).toBeGreaterThan(at);
  });

  test('wrong tags: a BOOLEAN where revokedCertificates or crlExtensions belong, a bad revocationDate', () => {
    const bytes = good.slice();
    const first = offsets[0] as number;
    const timeAt = first + 2 + 2 + (bytes[first + 3] as number);
    bytes[timeAt] = 0x04;
    const e = derError(bytes);
    expect([e.code, e.offset, e.path]).toEqual(['DER_MALFORMED', timeAt, 'tbsCertList.revokedCertificates[0].revocationDate']);
    const badDigit = good.slice();
    badDigit[timeAt + 4] = 0x41;
    const t = derError(badDigit);
    expect([t.code, t.offset, t.path]).toEqual(['TIME_MALFORMED', timeAt, 'tbsCertList.revokedCertificates[0].revocationDate']);
    const feb31 = good.slice();
    feb31.set(new TextEncoder().encode('250231'), timeAt + 2);
    expect(derError(feb31).message).toMatch(/no such day/);
  });

  test('fuzz: random byte flips and truncations never hang and only ever throw X509Error subclasses', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let errors = 0;
    let results = 0;
    for (let round = 0; round < 1500; round++) {
      const bytes = good.slice(0, round % 5 === 0 ? rand(good.length) : good.length);
      for (let flips = 1 + rand(3); flips > 0; flips--) bytes[rand(bytes.length)] = rand(256);
      const chunk = round % 3 === 0 ? 1 + rand(9) : 0;
      try {
        const s = new CrlScanner({ onEntry: () => {} });
        if (chunk === 0) s.push(bytes);
        else for (let i = 0; i < bytes.length; i += chunk) s.push(bytes.subarray(i, i + chunk));
        const r: CrlScanResult = s.end();
        expect(r.byteLength).toBe(bytes.length);
        results++;
      } catch (e) {
        if (!(e instanceof X509Error)) throw e;
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(100);
    expect(results).toBeGreaterThan(10);
  });

  test('an empty signatureValue BIT STRING is malformed where it is, whatever follows it and however the input is chunked', () => {
    // found by the fuzzer (npm run fuzz, seed 777, case 39544): the unused-bits octet was read past the element's end, so the
    // whole buffer and the 1-byte feed disagreed on the error
    const outer = readTlv(good, 0, good.length, 'crl');
    const tbs = readTlv(good, outer.contentStart, good.length, 'tbs');
    const algorithm = readTlv(good, tbs.contentEnd, good.length, 'alg');
    const inner = concatBytes([
      good.subarray(tbs.start, algorithm.contentEnd),
      Uint8Array.of(0x03, 0x00),
      Uint8Array.of(0x00, 0x30, 0x01, 0x00),
    ]);
    const bytes = sequence(inner);
    const at = bytes.length - 6;
    for (const chunk of [0, 1, 3]) {
      const e = derError(bytes, {}, chunk);
      expect({ chunk, code: e.code, offset: e.offset, path: e.path }).toEqual({
        chunk,
        code: 'DER_MALFORMED',
        offset: at,
        path: 'signatureValue',
      });
    }
  });

  test('a scanner that failed keeps failing with the same error', () => {
    const s = new CrlScanner();
    expect(() => s.push(Uint8Array.of(0x31, 0x00))).toThrow(DerError);
    expect(() => s.push(good)).toThrow(/expected SEQUENCE/);
    expect(() => s.end()).toThrow(/expected SEQUENCE/);
  });
});

/** Re-encodes the outer and tbsCertList and revokedCertificates lengths after `delta` bytes were added inside the first entry. */
function fixLengths(bytes: Uint8Array, delta: number): Uint8Array {
  const outer = readTlv(bytes, 0, bytes.length + 1_000, 'x');
  const tbs = readTlv(bytes, outer.contentStart, bytes.length + 1_000, 'x');
  const content = bytes.subarray(tbs.contentStart);
  // Walk tbs fields to the revokedCertificates SEQUENCE and grow its length by delta.
  let p = 0;
  const parts: Uint8Array[] = [];
  for (;;) {
    const f = readTlv(content, p, content.length, 'x');
    if (f.tag === 0x30 && content[f.contentStart] === 0x30 && p > 0 && parts.length >= 3) {
      const list = content.subarray(f.contentStart, f.contentEnd + delta);
      parts.push(sequenceOf(list));
      p = f.contentEnd + delta;
      break;
    }
    parts.push(content.subarray(p, f.contentEnd));
    p = f.contentEnd;
  }
  const tbsEnd = tbs.contentEnd - tbs.contentStart + delta;
  parts.push(content.subarray(p, tbsEnd));
  const newTbs = sequenceOf(concatBytes(parts));
  return sequenceOf(concatBytes([newTbs, content.subarray(tbsEnd)]));
}

function sequenceOf(content: Uint8Array): Uint8Array {
  return sequence(content);
}
