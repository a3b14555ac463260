/**
 * RFC 5280 rules on CRL extensions that decide whether a CRL can be trusted at all: CRL numbers in INTEGER (0..MAX) of at most
 * 20 octets (§5.2.3), each extension at most once (§4.2, §5.2, §5.3), and an unknown non-critical extension's value left opaque
 * (§5.2: "may ignore"), however the input is chunked. The pyca vectors are the cryptography project's own broken CRLs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CrlScanner, DerError, integer, pemToDer, scanCrlBuffer, tlv, type CrlScanOptions } from '../src/index.js';
import { buildCrl, extension, octetString, testPublicKey } from './crl-build.js';

const PYCA = '/usr/lib/python3/dist-packages/cryptography_vectors/x509/custom';

/** The scan's outcome, whole and 1 byte at a time and in 7-byte pieces: the three must agree. */
function scanEvery(bytes: Uint8Array, options: CrlScanOptions = {}): DerError | ReturnType<typeof scanCrlBuffer> {
  const outcomes = [0, 1, 7].map((chunk) => {
    try {
      if (chunk === 0) return scanCrlBuffer(bytes, options);
      const s = new CrlScanner(options);
      for (let i = 0; i < bytes.length; i += chunk) s.push(bytes.subarray(i, i + chunk));
      return s.end();
    } catch (e) {
      if (e instanceof DerError) return e;
      throw e;
    }
  });
  const [whole, ...split] = outcomes;
  for (const other of split) {
    if (whole instanceof DerError) {
      expect(other).toBeInstanceOf(DerError);
      expect([(other as DerError).code, (other as DerError).offset, (other as DerError).path]).toEqual([
        whole.code,
        whole.offset,
        whole.path,
      ]);
    } else expect(other).not.toBeInstanceOf(DerError);
  }
  return whole as DerError | ReturnType<typeof scanCrlBuffer>;
}

function refused(bytes: Uint8Array): DerError {
  const outcome = scanEvery(bytes);
  if (!(outcome instanceof DerError)) throw new Error('expected the CRL to be refused, it scanned');
  return outcome;
}

const crlNumber = (value: Uint8Array) => extension('2.5.29.20', false, value);
const deltaIndicator = (value: Uint8Array) => extension('2.5.29.27', true, value);
const reasonCode = (code: number) => extension('2.5.29.21', false, tlv(0x0a, Uint8Array.of(code)));

describe('CRL numbers (RFC 5280 §5.2.3: INTEGER (0..MAX), at most 20 octets)', () => {
  test('a negative cRLNumber is refused, naming the field and the value', () => {
    const e = refused(buildCrl({ crlExtensions: [crlNumber(integer(-5))] }));
    expect(e.code).toBe('DER_MALFORMED');
    expect(e.path).toBe('tbsCertList.crlExtensions[0].extnValue');
    expect(e.message).toMatch(/cRLNumber is negative \(-5\)/);
  });

  test('a 21-octet value is refused; the largest 20-octet value (21 octets with its sign octet) and 0 are accepted', () => {
    const tooLong = refused(buildCrl({ crlExtensions: [crlNumber(integer(1n << 160n))] }));
    expect(tooLong.message).toMatch(/cRLNumber is longer than 20 octets/);
    const max = (1n << 160n) - 1n;
    expect(integer(max).length).toBe(23);
    const ok = scanEvery(buildCrl({ crlExtensions: [crlNumber(integer(max))] }), { issuerKey: testPublicKey });
    expect(ok).not.toBeInstanceOf(DerError);
    expect(ok).toMatchObject({ crlNumber: max, usable: true, signature: 'valid' });
    expect(scanEvery(buildCrl({ crlExtensions: [crlNumber(integer(0))] }))).toMatchObject({ crlNumber: 0n });
    // a huge INTEGER is refused from its length, before any arithmetic on it
    expect(refused(buildCrl({ crlExtensions: [crlNumber(tlv(0x02, new Uint8Array(5000).fill(0x7f)))] })).message).toMatch(/20 octets/);
  });

  test("a delta CRL's BaseCRLNumber obeys the same rules", () => {
    const e = refused(buildCrl({ crlExtensions: [crlNumber(integer(9)), deltaIndicator(integer(-1))] }));
    expect([e.path, e.message]).toEqual([
      'tbsCertList.crlExtensions[1].extnValue',
      expect.stringMatching(/deltaCRLIndicator is negative \(-1\)/),
    ]);
    expect(refused(buildCrl({ crlExtensions: [crlNumber(integer(9)), deltaIndicator(integer(1n << 170n))] })).message).toMatch(
      /deltaCRLIndicator is longer than 20 octets/,
    );
  });
});

describe('each extension at most once', () => {
  test('a second cRLNumber is refused (not "the last one wins"), even with the same value', () => {
    for (const second of [integer(8), integer(7)]) {
      const e = refused(buildCrl({ crlExtensions: [crlNumber(integer(7)), crlNumber(second)] }));
      expect([e.code, e.path]).toEqual(['DER_MALFORMED', 'tbsCertList.crlExtensions[1]']);
      expect(e.message).toMatch(/extension 2\.5\.29\.20 appears twice/);
    }
  });

  test('an unknown crlExtension twice is refused too; two different unknown ones are fine', () => {
    const unknown = extension('1.2.3.4.5', false, Uint8Array.of(1, 2, 3));
    expect(refused(buildCrl({ crlExtensions: [crlNumber(integer(1)), unknown, unknown] })).path).toBe('tbsCertList.crlExtensions[2]');
    const other = extension('1.2.3.4.6', false, Uint8Array.of(1, 2, 3));
    expect(scanEvery(buildCrl({ crlExtensions: [crlNumber(integer(1)), unknown, other] }))).toMatchObject({ usable: true });
  });

  test('an entry extension twice is refused with the entry and extension named: the same known one, or the same unknown one', () => {
    const twice = refused(buildCrl({ entries: [{ serial: 1 }, { serial: 2, reason: 1, extraExtensions: [reasonCode(4)] }] }));
    expect([twice.code, twice.path]).toEqual(['DER_MALFORMED', 'tbsCertList.revokedCertificates[1].crlEntryExtensions[1]']);
    expect(twice.message).toMatch(/extension 2\.5\.29\.21 appears twice in the entry/);
    const unknown = extension('1.3.6.1.4.1.99999.1', false, Uint8Array.of(5, 0));
    const e = refused(
      buildCrl({ entries: [{ serial: 3, reason: 1, invalidity: new Date('2025-01-01T00:00:00Z'), extraExtensions: [unknown, unknown] }] }),
    );
    expect(e.path).toBe('tbsCertList.revokedCertificates[0].crlEntryExtensions[3]');
    // reason, invalidity date and two distinct unknown extensions in one entry: fine
    const distinct = extension('1.3.6.1.4.1.99999.2', false, Uint8Array.of(5, 0));
    const ok = scanEvery(
      buildCrl({
        entries: [{ serial: 3, reason: 1, invalidity: new Date('2025-01-01T00:00:00Z'), extraExtensions: [unknown, distinct] }],
      }),
    );
    expect(ok).toMatchObject({ entryCount: 1, usable: true });
  });

  test('pyca crl_dup_entry_ext.pem (reasonCode twice in one entry) is refused', () => {
    const der = pemToDer(readFileSync(`${PYCA}/crl_dup_entry_ext.pem`, 'latin1'), 'X509 CRL');
    const e = refused(der);
    expect(e.path).toBe('tbsCertList.revokedCertificates[0].crlEntryExtensions[1]');
  });
});

describe('unknown extensions: a non-critical value stays opaque, a critical one makes the CRL unusable', () => {
  test('pyca crl_unrecognized_extension.der (non-critical 1.2.3.4.5 whose value is not DER) loads and is usable', () => {
    const der = new Uint8Array(readFileSync(`${PYCA}/crl_unrecognized_extension.der`));
    const r = scanEvery(der);
    if (r instanceof DerError) throw r;
    expect(r.usable).toBe(true);
    expect(r.extensions).toEqual([{ oid: '1.2.3.4.5', critical: false, value: new TextEncoder().encode('abcdef'), known: false }]);
  });

  test('a non-DER value in an unknown critical crlExtension: the CRL parses and is unusable (UNKNOWN_CRITICAL_EXTENSION)', () => {
    const r = scanEvery(buildCrl({ crlExtensions: [crlNumber(integer(3)), extension('1.2.3.4.5', true, Uint8Array.of(0xab, 0xcd))] }));
    if (r instanceof DerError) throw r;
    expect(r.usable).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(['UNKNOWN_CRITICAL_EXTENSION']);
  });

  test('a non-DER value in an unknown entry extension: opaque when non-critical, unusable when critical', () => {
    const opaque = (critical: boolean) => extension('1.2.3.4.5', critical, Uint8Array.of(0xff, 0xff, 0xff));
    const plain = scanEvery(buildCrl({ entries: [{ serial: 1, reason: 1, extraExtensions: [opaque(false)] }] }));
    expect(plain).toMatchObject({ entryCount: 1, usable: true, reasons: { keyCompromise: 1 } });
    const critical = scanEvery(buildCrl({ entries: [{ serial: 1, extraExtensions: [opaque(true)] }] }));
    expect(critical).toMatchObject({ usable: false, problems: [expect.objectContaining({ code: 'UNKNOWN_CRITICAL_ENTRY_EXTENSION' })] });
  });

  test('a known extension is still read strictly: an IDP or issuerAltName that is not DER is malformed', () => {
    expect(refused(buildCrl({ crlExtensions: [extension('2.5.29.28', true, octetString(Uint8Array.of(1)).subarray(0, 1))] })).path).toBe(
      'tbsCertList.crlExtensions[0].extnValue',
    );
    expect(refused(buildCrl({ crlExtensions: [extension('2.5.29.18', false, Uint8Array.of(0x30, 0x05, 0x00))] })).path).toBe(
      'tbsCertList.crlExtensions[0].extnValue',
    );
  });
});
