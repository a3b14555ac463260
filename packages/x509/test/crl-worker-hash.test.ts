/**
 * Hashing tbsCertList on a thread of its own (hashOnWorkerFromBytes) gives the verdict the in-thread hash gives: valid for
 * OpenSSL's own CRL (RSA and ECDSA), invalid for one changed byte or another key, whatever the chunk sizes and however often the
 * shared ring wraps; a CRL that breaks off mid-way still throws, and the thread lets go.
 */
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CrlScanner, scanCrl, type CrlScanOptions, type CrlScanResult } from '../src/index.js';
import { createWorkerVerifier } from '../src/crypto/worker-verifier.js';
import { createSignatureVerifier, parseSignatureAlgorithm } from '../src/crypto/signature.js';
import { createOpensslCa, type CaKeyType, type OpensslCa } from './crl-openssl-ca.js';

async function* pieces(der: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < der.length; i++) {
    const n = sizes[i % sizes.length] as number;
    yield der.subarray(at, at + n);
    at += n;
  }
}

function scanInPieces(der: Uint8Array, sizes: readonly number[], options: CrlScanOptions): CrlScanResult {
  const scanner = new CrlScanner(options);
  let at = 0;
  for (let i = 0; at < der.length; i++) {
    const n = sizes[i % sizes.length] as number;
    scanner.push(der.subarray(at, at + n));
    at += n;
  }
  return scanner.end();
}

describe.each(['rsa', 'ec'] as const)('tbsCertList hashed on a worker thread (%s CA)', (keyType: CaKeyType) => {
  let ca: OpensslCa;
  let der: Uint8Array;
  let key: KeyObject;

  beforeAll(async () => {
    ca = await createOpensslCa(keyType);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++)
      lines.push(`R\t301231235959Z\t250101000000Z,keyCompromise\t${(0x1000 + i).toString(16).toUpperCase()}\tunknown\t/CN=x${i}`);
    ca.addIndexLines(lines);
    der = (await ca.genCrl()).der;
    key = createPublicKey(ca.caCertPem);
  }, 60_000);
  afterAll(() => ca?.cleanup());

  test('valid, as the in-thread hash says, for any chunking', async () => {
    const inline = await scanCrl(der, { issuerKey: key });
    expect(inline.signature).toBe('valid');
    for (const sizes of [[der.length], [1], [7, 4096, 3], [65_536]]) {
      const onWorker = scanInPieces(der, sizes, { issuerKey: key, hashOnWorkerFromBytes: 0 });
      expect(onWorker.signature).toBe('valid');
      expect(onWorker.entryCount).toBe(3000);
      expect(onWorker.problems).toEqual(inline.problems);
    }
    expect((await scanCrl(pieces(der, [1000]), { issuerKey: key, hashOnWorkerFromBytes: 0 })).signature).toBe('valid');
  });

  test('invalid for a changed byte in tbsCertList and for another key', () => {
    const tampered = new Uint8Array(der);
    // the last revoked serial (0x1BB7) made 0x1BFF: still a well-formed CRL, no longer the one signed
    const at = Buffer.from(tampered).indexOf(Buffer.from([0x02, 0x02, 0x1b, 0xb7])) + 3;
    expect(at).toBeGreaterThan(3);
    tampered[at] = 0xff;
    const inline = scanInPieces(tampered, [4096], { issuerKey: key });
    const onWorker = scanInPieces(tampered, [4096], { issuerKey: key, hashOnWorkerFromBytes: 0 });
    expect(onWorker.signature).toBe(inline.signature);
    expect(onWorker.signature).toBe('invalid');
    const other =
      keyType === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
        : generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(scanInPieces(der, [4096], { issuerKey: other, hashOnWorkerFromBytes: 0 }).signature).toBe('invalid');
  });

  test('a CRL that breaks off throws as in-thread; the thread stops', () => {
    const cut = der.subarray(0, der.length - 100);
    expect(() => scanInPieces(cut, [4096], { issuerKey: key, hashOnWorkerFromBytes: 0 })).toThrow(/DER_TRUNCATED|ends at byte/);
  });

  test('a ring much smaller than the input wraps many times and hashes the same bytes', () => {
    const alg = parseSignatureAlgorithm(
      keyType === 'rsa'
        ? Uint8Array.from(Buffer.from('300d06092a864886f70d01010b0500', 'hex'))
        : Uint8Array.from(Buffer.from('300a06082a8648ce3d040302', 'hex')),
    );
    const pair =
      keyType === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const data = Buffer.alloc(200_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
    const signature = sign('sha256', data, pair.privateKey);
    const v = createWorkerVerifier(alg, pair.publicKey, 1000);
    for (let at = 0; at < data.length; at += 777) v.update(data.subarray(at, at + 777));
    expect(v.verify(signature)).toBe(true);
    const w = createWorkerVerifier(alg, pair.publicKey, 1000);
    w.update(data.subarray(1));
    expect(w.verify(signature)).toBe(false);
    const inline = createSignatureVerifier(alg, pair.publicKey);
    inline.update(data);
    expect(inline.verify(signature)).toBe(true);
  });
});
