import { describe, expect, test } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { CrlScanner, scanCrlBuffer, type CrlEntryView } from '../src/index.js';
import {
  boolean,
  buildCrl,
  extension,
  implicitPrimitive,
  issuerName,
  octetString,
  oid,
  sequence,
  testPublicKey,
  tlv,
} from './crl-build.js';

const codes = (bytes: Uint8Array, key = testPublicKey): string[] => scanCrlBuffer(bytes, { issuerKey: key }).problems.map((p) => p.code);

describe('RFC 5280 usability: problems, not parse errors', () => {
  test('a clean built CRL: v2, signature valid, usable, header delivered once before the first entry', () => {
    const events: string[] = [];
    const r = scanCrlBuffer(buildCrl(), {
      issuerKey: testPublicKey,
      onHeader: () => events.push('header'),
      onEntry: (e) => events.push(`entry ${e.index}`),
    });
    expect(events).toEqual(['header', 'entry 0', 'entry 1', 'entry 2']);
    expect(r).toMatchObject({ signature: 'valid', usable: true, problems: [], crlNumber: 7n, entryCount: 3 });
    expect(r.header.issuer.text).toBe('CN=Built CA,C=JP');
    expect(r.reasons).toEqual({ keyCompromise: 1, superseded: 1, unspecified: 1 });
  });

  test('the entry view: one object, serialNumber as a number below 2^48, invalidityDate, reason', () => {
    const views = new Set<CrlEntryView>();
    const seen: [number, number, number, number][] = [];
    const bytes = buildCrl({
      entries: [
        { serial: 2 ** 48 - 1, reason: 6 },
        { serial: 2 ** 48 },
        { serial: 0x80, invalidity: new Date('2024-02-29T23:59:59Z') },
        { serial: 0 },
        { serial: -5 },
      ],
    });
    scanCrlBuffer(bytes, {
      onEntry: (e) => {
        views.add(e);
        seen.push([e.serialNumber, e.reason, e.invalidityDate, e.certificateIssuerStart]);
      },
    });
    expect(views.size).toBe(1);
    expect(seen).toEqual([
      [2 ** 48 - 1, 6, NaN, -1],
      [-1, -1, NaN, -1],
      [0x80, -1, Date.UTC(2024, 1, 29, 23, 59, 59), -1],
      [0, -1, NaN, -1],
      [-1, -1, NaN, -1],
    ]);
  });

  test('unknown critical crlExtension → UNKNOWN_CRITICAL_EXTENSION; non-critical unknown is fine', () => {
    expect(codes(buildCrl({ crlExtensions: [extension('1.2.3.4', true, octetString(Uint8Array.of(1)))] }))).toEqual([
      'UNKNOWN_CRITICAL_EXTENSION',
    ]);
    expect(codes(buildCrl({ crlExtensions: [extension('1.2.3.4', false, octetString(Uint8Array.of(1)))] }))).toEqual([]);
  });

  test('unknown critical entry extension → UNKNOWN_CRITICAL_ENTRY_EXTENSION, once however many entries carry it', () => {
    const ext = extension('1.2.3.9', true, octetString(Uint8Array.of(1)));
    const r = scanCrlBuffer(
      buildCrl({
        entries: [
          { serial: 1, extraExtensions: [ext] },
          { serial: 2, extraExtensions: [ext] },
        ],
      }),
    );
    expect(r.problems.map((p) => p.code)).toEqual(['UNKNOWN_CRITICAL_ENTRY_EXTENSION']);
    expect(r.problems[0]?.message).toMatch(/2 occurrences/);
    expect(r.usable).toBe(false);
  });

  test('reason code 7 and above 10 → UNKNOWN_REASON_CODE, counted under "unknown"', () => {
    const r = scanCrlBuffer(
      buildCrl({
        entries: [
          { serial: 1, reason: 7 },
          { serial: 2, reason: 11 },
          { serial: 3, reason: 10 },
          { serial: 4, reason: 8 },
        ],
      }),
    );
    expect(r.problems.map((p) => p.code)).toEqual(['UNKNOWN_REASON_CODE']);
    expect(r.reasons).toEqual({ unknown: 2, aACompromise: 1, removeFromCRL: 1 });
  });

  test('indirect CRLs: IDP indirectCRL and certificateIssuer entries → INDIRECT_CRL, still scanned', () => {
    const idp = sequence(
      tlv(
        0xa0,
        tlv(
          0xa0,
          implicitPrimitive(6, new TextEncoder().encode('http://crl.example/jpki.crl')),
          implicitPrimitive(2, new TextEncoder().encode('crl.example')),
          implicitPrimitive(1, new TextEncoder().encode('ca@example.jp')),
        ),
      ),
      implicitPrimitive(4, Uint8Array.of(0xff)),
    );
    const r = scanCrlBuffer(buildCrl({ crlExtensions: [extension('2.5.29.28', true, idp)] }));
    expect(r.problems.map((p) => p.code)).toEqual(['INDIRECT_CRL']);
    expect(r.issuingDistributionPoint).toMatchObject({
      fullName: ['URI:http://crl.example/jpki.crl', 'DNS:crl.example', 'email:ca@example.jp'],
      indirectCRL: true,
    });
    expect(r.entryCount).toBe(3);
    const certificateIssuer = extension('2.5.29.29', true, sequence(tlv(0xa4, issuerName)));
    const withIssuer = buildCrl({ entries: [{ serial: 1 }, { serial: 2, extraExtensions: [certificateIssuer] }] });
    const spans: number[] = [];
    const r2 = scanCrlBuffer(withIssuer, { onEntry: (e) => spans.push(e.certificateIssuerEnd - e.certificateIssuerStart) });
    expect(r2.problems.map((p) => p.code)).toEqual(['INDIRECT_CRL']);
    expect(spans).toEqual([0, issuerName.length + 2]);
  });

  test('IDP nameRelativeToCRLIssuer and onlySomeReasons', () => {
    const rdn = tlv(0xa1, sequence(oid('2.5.4.3'), tlv(0x0c, new TextEncoder().encode('Partition 0042'))));
    const idp = sequence(tlv(0xa0, rdn), implicitPrimitive(3, Uint8Array.of(1, 0b0100_0010)));
    const r = scanCrlBuffer(buildCrl({ crlExtensions: [extension('2.5.29.28', true, idp)] }));
    expect(r.issuingDistributionPoint).toMatchObject({
      fullName: null,
      nameRelativeToCRLIssuer: 'CN=Partition 0042',
      onlySomeReasons: ['keyCompromise', 'certificateHold'],
    });
    expect(r.usable).toBe(true);
  });

  test('v1 (no version field): version 1; entry or CRL extensions → ENTRY_EXTENSIONS_IN_V1', () => {
    const plain = scanCrlBuffer(buildCrl({ version: 1, entries: [{ serial: 1 }], nextUpdate: null }));
    expect([plain.header.version, plain.header.nextUpdate, plain.usable, plain.crlNumber]).toEqual([1, null, true, null]);
    expect(codes(buildCrl({ version: 1, entries: [{ serial: 1, reason: 1 }] }))).toEqual(['ENTRY_EXTENSIONS_IN_V1']);
    expect(codes(buildCrl({ version: 1, entries: [], crlExtensions: [extension('2.5.29.20', false, tlv(2, Uint8Array.of(1)))] }))).toEqual([
      'ENTRY_EXTENSIONS_IN_V1',
    ]);
  });

  test('no revokedCertificates at all: zero entries, nothing counted', () => {
    const r = scanCrlBuffer(buildCrl({ entries: [] }), { issuerKey: testPublicKey });
    expect([r.entryCount, r.reasons, r.signature]).toEqual([0, {}, 'valid']);
  });

  test('outer signatureAlgorithm differing from tbsCertList.signature → SIGNATURE_ALGORITHM_MISMATCH', () => {
    const bytes = buildCrl({ outerAlgorithm: sequence(oid('1.2.840.10045.4.3.2'), tlv(5, new Uint8Array(0))) });
    expect(codes(bytes)).toEqual(['SIGNATURE_ALGORITHM_MISMATCH']);
  });

  test('unsupported algorithm → UNSUPPORTED_ALGORITHM; signature invalid with a key, not_checked without', () => {
    const bytes = buildCrl({ algorithm: sequence(oid('1.2.3.4.5')) });
    const withKey = scanCrlBuffer(bytes, { issuerKey: testPublicKey });
    expect([withKey.signature, withKey.problems.map((p) => p.code), withKey.header.signatureAlgorithmSupported]).toEqual([
      'invalid',
      ['UNSUPPORTED_ALGORITHM'],
      false,
    ]);
    expect(withKey.header.signatureAlgorithm.oid).toBe('1.2.3.4.5');
    const noKey = scanCrlBuffer(bytes);
    expect([noKey.signature, noKey.problems.map((p) => p.code)]).toEqual(['not_checked', ['UNSUPPORTED_ALGORITHM']]);
  });

  test('a key of the wrong type (RSA key, ECDSA signature) → invalid', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const r = scanCrlBuffer(buildCrl(), { issuerKey: rsa });
    expect([r.signature, r.usable]).toEqual(['invalid', false]);
  });

  test('critical flag FALSE written out (BER habit) is accepted, and known extensions marked known', () => {
    const explicitFalse = sequence(oid('2.5.29.20'), boolean(false), octetString(tlv(2, Uint8Array.of(9))));
    const r = scanCrlBuffer(buildCrl({ crlExtensions: [explicitFalse] }));
    expect(r.crlNumber).toBe(9n);
    expect(r.extensions).toEqual([{ oid: '2.5.29.20', critical: false, known: true, value: Uint8Array.of(2, 1, 9) }]);
  });

  test('the signature is verified across chunk boundaries at any split', () => {
    const bytes = buildCrl();
    for (let split = 1; split < bytes.length; split += 7) {
      const s = new CrlScanner({ issuerKey: testPublicKey });
      s.push(bytes.subarray(0, split));
      s.push(bytes.subarray(split));
      expect({ split, signature: s.end().signature }).toEqual({ split, signature: 'valid' });
    }
  });
});
