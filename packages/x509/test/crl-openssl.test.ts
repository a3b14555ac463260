import { createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CrlScanner,
  formatTime,
  scanCrl,
  scanCrlBuffer,
  serialFromDer,
  type CrlEntryView,
  type CrlScanOptions,
  type CrlScanResult,
} from '../src/index.js';
import {
  createOpensslCa,
  openssl,
  opensslOutput,
  parseOpensslCrlText,
  type OpensslCa,
  type OpensslCrlText,
  type OpensslEntry,
} from './crl-openssl-ca.js';

/** What a scan saw, entry by entry, copied out of the reused view. */
function collect(options: CrlScanOptions = {}): { entries: OpensslEntry[]; offsets: number[]; options: CrlScanOptions } {
  const entries: OpensslEntry[] = [];
  const offsets: number[] = [];
  const onEntry = (e: CrlEntryView): void => {
    const serial = serialFromDer(e.buf, e.serialStart, e.serialEnd);
    if (e.serialNumber >= 0) expect(BigInt(e.serialNumber)).toBe(serial);
    const reason =
      e.reason < 0
        ? 'unspecified'
        : ([
            'unspecified',
            'keyCompromise',
            'cACompromise',
            'affiliationChanged',
            'superseded',
            'cessationOfOperation',
            'certificateHold',
            '?',
            'removeFromCRL',
          ][e.reason] ?? '?');
    entries.push({
      serial,
      revocationDate: e.revocationDate,
      reason,
      invalidityDate: Number.isNaN(e.invalidityDate) ? null : e.invalidityDate,
    });
    offsets.push(e.offset);
  };
  return { entries, offsets, options: { ...options, onEntry } };
}

/** Serials of many lengths: one octet, a set top bit (a leading 0x00 in DER), 4 octets, 6 and 7 octets around 2^48, 20 octets. */
const BULK_SERIALS = [
  '01',
  '7F',
  '80',
  'FF',
  '1234ABCD',
  'FFFFFFFFFFFF',
  '01000000000000',
  '7FFFFFFFFFFFFFFF',
  'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678',
];
const INDEX_REASONS = [
  '',
  'unspecified',
  'keyCompromise,20240102030405Z',
  'CACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold,holdInstructionReject',
  'removeFromCRL',
];

function bulkIndexLines(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 120; i++) {
    const serial = i < BULK_SERIALS.length ? (BULK_SERIALS[i] as string) : (0x5000 + i * 977).toString(16).toUpperCase().padStart(6, '0');
    const reason = INDEX_REASONS[i % INDEX_REASONS.length] as string;
    // Revocation times span UTCTime days and clock fields, including 1999 (UTCTime 99 → 1999).
    const day = String(1 + (i % 28)).padStart(2, '0');
    const year = i % 17 === 0 ? '99' : '25';
    const rev = `${year}${String(1 + (i % 12)).padStart(2, '0')}${day}${String(i % 24).padStart(2, '0')}${String(i % 60).padStart(2, '0')}${String((i * 7) % 60).padStart(2, '0')}Z`;
    lines.push(`R\t301231235959Z\t${rev}${reason ? `,${reason}` : ''}\t${serial}\tunknown\t/CN=bulk ${i}`);
  }
  return lines;
}

function chunked(bytes: Uint8Array, sizes: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 0; p < bytes.length; ) {
    const n = Math.max(1, Math.min(sizes(), bytes.length - p));
    out.push(bytes.subarray(p, p + n));
    p += n;
  }
  return out;
}

/** A deterministic pseudo-random sequence, so a failing chunking can be reproduced. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function comparable(r: CrlScanResult): unknown {
  return { ...r, header: { ...r.header, thisUpdate: r.header.thisUpdate.getTime(), nextUpdate: r.header.nextUpdate?.getTime() ?? null } };
}

describe.each(['rsa', 'ec'] as const)('CRL made by openssl ca (%s CA)', (keyType) => {
  let ca: OpensslCa;
  let der: Uint8Array;
  let derPath: string;
  let pemPath: string;
  let text: OpensslCrlText;
  let key: KeyObject;

  beforeAll(async () => {
    ca = await createOpensslCa(keyType);
    ca.addIndexLines(bulkIndexLines());
    const revocations: string[][] = [
      ['-crl_reason', 'keyCompromise'],
      ['-crl_reason', 'superseded'],
      ['-crl_reason', 'affiliationChanged'],
      ['-crl_reason', 'cessationOfOperation'],
      ['-crl_hold', 'holdInstructionCallIssuer'],
      ['-crl_compromise', '20250301101112Z'],
      ['-crl_CA_compromise', '20250302101112Z'],
    ];
    for (const [i, flags] of revocations.entries()) await ca.revoke(await ca.issue(`leaf ${i}`), flags);
    ({ der, derPath, pemPath } = await ca.genCrl());
    text = parseOpensslCrlText(await openssl(['crl', '-in', derPath, '-inform', 'DER', '-text', '-noout']));
    key = createPublicKey(ca.caCertPem);
  });
  afterAll(() => ca.cleanup());

  test('header, CRL number and every entry equal what openssl crl -text prints', async () => {
    const seen = collect({ issuerKey: key });
    const r = scanCrlBuffer(der, seen.options);
    const issuer = (await openssl(['crl', '-in', derPath, '-inform', 'DER', '-noout', '-issuer', '-nameopt', 'RFC2253']))
      .trim()
      .replace(/^issuer=/, '');
    expect(r.header.issuer.text).toBe(issuer);
    expect(r.header.version).toBe(2);
    expect(r.header.signatureAlgorithm.name).toBe(keyType === 'rsa' ? 'sha256WithRSAEncryption' : 'ecdsa-with-SHA256');
    expect(r.header.thisUpdate.getTime()).toBe(text.lastUpdate);
    expect(r.header.nextUpdate?.getTime()).toBe(text.nextUpdate);
    expect(r.crlNumber).toBe(text.crlNumber);
    expect(r.crlNumber).toBe(0x2an);
    expect(r.authorityKeyIdentifier?.length).toBe(20);
    expect(r.entryCount).toBe(text.entries.length);
    expect(text.entries.length).toBe(127);
    expect(seen.entries).toEqual(text.entries);
    // The counts by reason agree with the entries openssl listed.
    const byReason: Record<string, number> = {};
    for (const e of text.entries) byReason[e.reason] = (byReason[e.reason] ?? 0) + 1;
    expect(r.reasons).toEqual(byReason);
    expect(r.reasons.removeFromCRL).toBeGreaterThan(0);
    expect(r.signature).toBe('valid');
    expect(r.usable).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.byteLength).toBe(der.length);
    expect(formatTime(r.header.thisUpdate)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('entry offsets point at each entry SEQUENCE', () => {
    const seen = collect();
    scanCrlBuffer(der, seen.options);
    for (const offset of seen.offsets) expect(der[offset]).toBe(0x30);
    expect(new Set(seen.offsets).size).toBe(seen.offsets.length);
  });

  test('signature: valid where openssl crl -verify succeeds, invalid once a tbsCertList byte changes', async () => {
    const caFile = `${ca.dir}/ca.crt`;
    expect(await opensslOutput(['crl', '-in', derPath, '-inform', 'DER', '-noout', '-verify', '-CAfile', caFile])).toMatch(/verify OK/);
    expect(scanCrlBuffer(der, { issuerKey: key }).signature).toBe('valid');
    const tampered = der.slice();
    const r0 = scanCrlBuffer(der);
    // Change one digit of the last entry's revocation time: still a well-formed CRL, no longer the signed one.
    const timeAt = tampered.indexOf(0x17, r0.header.tbsOffset + 200);
    tampered[timeAt + 3] = tampered[timeAt + 3] === 0x31 ? 0x32 : 0x31;
    const bad = scanCrlBuffer(tampered, { issuerKey: key });
    expect(bad.signature).toBe('invalid');
    expect(bad.usable).toBe(false);
    expect(bad.problems.map((p) => p.code)).toEqual(['SIGNATURE_INVALID']);
    writeFileSync(`${ca.dir}/tampered.der`, tampered);
    const out = await opensslOutput(['crl', '-in', `${ca.dir}/tampered.der`, '-inform', 'DER', '-noout', '-verify', '-CAfile', caFile]);
    expect(out).toMatch(/verify failure/);
    // Without a key the signature is not checked, and the CRL is otherwise usable.
    expect(scanCrlBuffer(tampered).signature).toBe('not_checked');
  });

  test('the same result for 1-byte chunks, random chunks and the whole buffer', () => {
    const whole = collect({ issuerKey: key });
    const expected = comparable(scanCrlBuffer(der, whole.options));
    for (const sizes of [
      () => 1,
      () => 1 + Math.floor(lcg(7)() * 3),
      (() => {
        const r = lcg(42);
        return () => 1 + Math.floor(r() * 200);
      })(),
    ]) {
      const seen = collect({ issuerKey: key });
      const scanner = new CrlScanner(seen.options);
      for (const chunk of chunked(der, sizes)) scanner.push(chunk);
      expect(comparable(scanner.end())).toEqual(expected);
      expect(seen.entries).toEqual(whole.entries);
      expect(seen.offsets).toEqual(whole.offsets);
    }
  });

  test('a PEM file (as openssl ca writes it) streamed from disk gives the same result', async () => {
    const expected = comparable(scanCrlBuffer(der, { issuerKey: key }));
    const fromPem = await scanCrl(createReadStream(pemPath, { highWaterMark: 97 }), { issuerKey: key });
    expect(comparable(fromPem)).toEqual(expected);
    const fromDer = await scanCrl(createReadStream(derPath, { highWaterMark: 13 }), { issuerKey: key });
    expect(comparable(fromDer)).toEqual(expected);
  });
});
