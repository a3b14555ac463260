import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { DerError, X509Error, formatSerialDer, isPem, pemToDer, pemToDerStream, scanCrl, scanCrlBuffer } from '../src/index.js';
import { createPublicKey } from 'node:crypto';

const dir = new URL('./fixtures/crl/', import.meta.url);
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));
const caKey = createPublicKey(readFileSync(new URL('fixture-ca.crt', dir), 'utf8'));

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

describe('committed CRL fixtures', () => {
  test('the openssl fixture: entries in CRL order, serials formatted per the contract, signature valid', async () => {
    const rows: string[] = [];
    const r = await scanCrl(createReadStream(new URL('fixture-ca.crl', dir)), {
      issuerKey: caKey,
      onEntry: (e) =>
        rows.push(`${formatSerialDer(e.buf, e.serialStart, e.serialEnd)} ${e.reason} ${new Date(e.revocationDate).toISOString()}`),
    });
    expect(rows).toEqual([
      '1 4 2025-01-02T00:00:00.000Z',
      '7F00D015 1 2025-01-01T00:00:00.000Z',
      '100000000000000000000000000000000000001 3 2025-01-03T00:00:00.000Z',
    ]);
    expect([r.signature, r.crlNumber, r.header.issuer.text, r.usable]).toEqual([
      'valid',
      10n,
      'CN=Fixture CA,O=JPKI Validator Fixtures,C=JP',
      true,
    ]);
  });

  test('PEM: isPem, pemToDer and the streaming decoder give the DER openssl wrote', async () => {
    const pem = read('fixture-ca.crl.pem');
    const der = read('fixture-ca.crl');
    expect([isPem(pem), isPem(der), isPem(new TextEncoder().encode('\n  -----BEGIN X509 CRL-----'))]).toEqual([true, false, true]);
    expect(pemToDer(pem)).toEqual(der);
    expect(pemToDer(new TextDecoder().decode(pem))).toEqual(der);
    for (const size of [1, 5, 64, 4096]) {
      const chunks = Readable.from(Array.from({ length: Math.ceil(pem.length / size) }, (_, i) => pem.subarray(i * size, (i + 1) * size)));
      expect(await collect(pemToDerStream(chunks))).toEqual(der);
    }
    const fromPem = await scanCrl(createReadStream(new URL('fixture-ca.crl.pem', dir), { highWaterMark: 50 }), { issuerKey: caKey });
    expect(fromPem.signature).toBe('valid');
    expect(scanCrlBuffer(pem, { issuerKey: caKey }).signature).toBe('valid');
  });

  test('PEM errors are X509Errors naming what is wrong', async () => {
    expect(() => pemToDer('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(/no "-----BEGIN X509 CRL-----" line/);
    const broken = new TextEncoder().encode('-----BEGIN X509 CRL-----\nMIIB*xx\n-----END X509 CRL-----\n');
    await expect(collect(pemToDerStream(Readable.from([broken])))).rejects.toThrow(/line 2 is not base64/);
    const unterminated = new TextEncoder().encode('-----BEGIN X509 CRL-----\nMIIB\n');
    await expect(collect(pemToDerStream(Readable.from([unterminated])))).rejects.toMatchObject({ code: 'CRL_MALFORMED' });
    await expect(collect(pemToDerStream(Readable.from([unterminated])))).rejects.toBeInstanceOf(X509Error);
  });

  test.each([
    ['broken-trailing-bytes.crl', 'DER_TRAILING_DATA', 383, 'certificateList'],
    ['broken-truncated.crl', 'DER_TRUNCATED', 310, 'signatureValue'],
    ['broken-indefinite-length.crl', 'DER_MALFORMED', 1, 'certificateList'],
  ])('%s → %s at byte %i (%s)', async (name, code, offset, path) => {
    const err = await scanCrl(createReadStream(new URL(name, dir), { highWaterMark: 16 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DerError);
    expect(err).toMatchObject({ code, offset, path });
  });
});
