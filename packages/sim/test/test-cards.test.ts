import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCertificate, readJpkiBasicDetails, revealJpkiBasicDetails } from '@jpki-validator/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSimulator, TEST_CARDS, type Simulator } from '../src/index.js';
import { openssl, tempDir } from './helpers.js';

let dir: { path: string; remove: () => Promise<void> };
let sim: Simulator;

beforeAll(async () => {
  dir = await tempDir('sim-test-cards');
  sim = await initSimulator({ dir: dir.path, preset: 'test-cards' });
});
afterAll(async () => dir.remove());

/** `openssl crl -text` of a CA's full CRL: serial → reason (or `unspecified` when the entry has no reason code) */
async function crlListing(ca: string): Promise<Map<string, string>> {
  const out = join(dir.path, `${ca}.crl`);
  await sim.writeCrl({ ca, out });
  const text = (await openssl(['crl', '-inform', 'DER', '-in', out, '-noout', '-text'])).stdout;
  const listed = new Map<string, string>();
  for (const entry of text.split('Serial Number: ').slice(1)) {
    const serial = /^[0-9A-F]+/.exec(entry)?.[0] ?? '?';
    listed.set(serial, /CRL Reason Code:\s*\n\s*([A-Za-z][A-Za-z ]*)/.exec(entry)?.[1]?.trim() ?? 'unspecified');
  }
  return listed;
}

describe('sim init --preset test-cards', () => {
  it('makes the 2023 card CAs and a smartphone pair with names of their own, and no seeded population', () => {
    expect(sim.listCas().map((c) => [c.id, c.medium ?? 'card', c.population])).toEqual([
      ['jpki-sign-2023', 'card', 0],
      ['jpki-auth-2023', 'card', 0],
      ['jpki-smartphone-sign-2023', 'smartphone', 0],
      ['jpki-smartphone-auth-2023', 'smartphone', 0],
    ]);
    const phone = parseCertificate(sim.caCertificatePem('jpki-smartphone-sign-2023'));
    expect(phone.subject.text).toBe('OU=Simulator,OU=JPKI for digital signature (smartphone),O=JPKI Simulator (not J-LIS),C=JP');
  });

  it('issues exactly the table: the CRLs list the revoked ones with their reasons and nothing else', async () => {
    expect(await crlListing('jpki-auth-2023')).toEqual(new Map([['7F00D015', 'unspecified']]));
    expect(await crlListing('jpki-sign-2023')).toEqual(
      new Map([
        ['7F00D016', 'unspecified'],
        ['7F00D102', 'Superseded'],
      ]),
    );
    const issued = (ca: string) => readFile(join(dir.path, 'issued', ca, 'x')).catch(() => null);
    expect(await issued('jpki-sign-2023')).toBeNull();
    const serials = TEST_CARDS.flatMap((c) => c.certificates.map((x) => x.serial));
    expect(serials.slice(0, 8)).toEqual(['7F00D011', '7F00D012', '7F00D013', '7F00D014', '7F00D015', '7F00D016', '7F00D017', '7F00D018']);
    for (const card of TEST_CARDS)
      for (const cert of card.certificates) {
        const ca = `jpki-${cert.kind}-2023`;
        const file = join(dir.path, 'issued', ca, `${cert.serial}.pem`);
        const parsed = parseCertificate(await readFile(file, 'utf8'));
        const expired = parsed.notAfter.getTime() < Date.now();
        expect(expired, `${cert.serial} expired`).toBe(cert.state === 'expired');
        expect(sim.status(ca, cert.serial).status).toBe(cert.state === 'revoked' ? 'revoked' : 'good');
        expect((await openssl(['verify', '-no_check_time', '-CAfile', sim.caCertificatePath(ca), file])).stdout).toContain(': OK');
        if (cert.kind === 'sign') {
          const details = readJpkiBasicDetails(parsed);
          expect(details && revealJpkiBasicDetails(details).birthDateRaw).toBe(card.details.birthDateRaw);
        }
      }
    // serials between the test cards were never issued: OCSP says unknown, not good
    expect(sim.status('jpki-auth-2023', '7F00D019').status).toBe('unknown');
    expect(sim.status('jpki-sign-2023', '7F00D0FF').status).toBe('unknown');
  });

  it('writes the birth-date patterns as the register would, and the reader takes each', async () => {
    const read = async (serial: string) => {
      const der = await readFile(join(dir.path, 'issued', 'jpki-sign-2023', `${serial}.pem`), 'utf8');
      const details = readJpkiBasicDetails(parseCertificate(der));
      return details && revealJpkiBasicDetails(details);
    };
    expect(await read('7F00D106')).toMatchObject({ birthDate: null, birthDatePrecision: 'unknown', birthDateRaw: '000000000' });
    expect(await read('7F00D108')).toMatchObject({ birthDate: '1950', birthDatePrecision: 'year' });
    expect(await read('7F00D10A')).toMatchObject({ birthDate: '1950', birthDatePrecision: 'season', birthDateSeason: 'spring' });
    expect(await read('7F00D10C')).toMatchObject({ birthDate: '1950', birthDatePrecision: 'season', birthDateSeason: 'summer' });
  });
});
