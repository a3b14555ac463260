import { createPrivateKey, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpkiKind, OID, parseCertificate, readJpkiBasicDetails, revealJpkiBasicDetails } from '@jpki-validator/x509';
import { initSimulator, SIM_ORGANISATION, type Simulator } from '@jpki-validator/sim';
import { openssl, tempDir } from './helpers.js';

let dir: { path: string; remove: () => Promise<void> };
let sim: Simulator;

beforeAll(async () => {
  dir = await tempDir('issue');
  sim = await initSimulator({
    dir: dir.path,
    seed: 11,
    populationPerCa: 100,
    generations: [2015, 2023],
    partitions: 3,
    baseUrl: 'http://sim.test:9000/',
  });
});
afterAll(() => dir.remove());

describe('CA certificates', () => {
  it('share one subject DN per kind across generations, with different keys, cA and keyCertSign + cRLSign', async () => {
    const subjects = new Set<string>();
    const keys = new Set<string>();
    for (const id of ['jpki-sign-2015', 'jpki-sign-2023']) {
      const text = await openssl(['x509', '-in', sim.caCertificatePath(id), '-noout', '-text']);
      expect(text.stdout).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
      expect(text.stdout).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
      expect(text.stdout).toContain('Subject Key Identifier');
      expect(text.stdout).toContain(`O = ${SIM_ORGANISATION}`);
      expect(text.stdout).not.toMatch(/O = JPKI,/);
      subjects.add(/Subject: (.*)/.exec(text.stdout)?.[1] ?? '');
      keys.add(/Subject Key Identifier:\s+(\S+)/.exec(text.stdout)?.[1] ?? '');
      expect((await openssl(['verify', '-CAfile', sim.caCertificatePath(id), sim.caCertificatePath(id)])).stdout).toContain('OK');
    }
    expect(subjects.size).toBe(1);
    expect(keys.size).toBe(2);
    const auth = await openssl(['x509', '-in', sim.caCertificatePath('jpki-auth'), '-noout', '-subject']);
    expect(auth.stdout).toContain('OU = JPKI for user authentication');
  });
});

describe('leaf certificates', () => {
  it('signature certificates carry the JPKI profile and the 4 basic details that the x509 reader reads back', async () => {
    const cert = await sim.issueCertificate({ ca: 'jpki-sign' });
    expect(cert.caId).toBe('jpki-sign-2023');
    expect(cert.serialNumber).toBe((sim.listCas().find((c) => c.id === 'jpki-sign-2023')?.serialBase ?? 0) + 100);
    const parsed = parseCertificate(cert.der);
    expect(parsed.serialHex).toBe(cert.serial);
    expect(jpkiKind(parsed)).toBe('sign');
    expect(parsed.certificatePolicies).toEqual([OID.jpki_policy_sign]);
    const details = readJpkiBasicDetails(parsed);
    expect(details && revealJpkiBasicDetails(details)).toMatchObject({ ...cert.details, birthDatePrecision: 'day' });

    const text = await openssl(['x509', '-in', cert.file, '-noout', '-text']);
    expect(text.stdout).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(text.stdout).toContain('othername: 1.2.392.200149.8.5.5.1::');
    expect(text.stdout).toContain(`URI:http://sim.test:9000/crl/jpki-sign-2023/full.crl`);
    expect(text.stdout).toContain(`URI:http://sim.test:9000/crl/jpki-sign-2023/${cert.partition}.crl`);
    expect(text.stdout).toContain('OCSP - URI:http://sim.test:9000/ocsp');
    const verify = await openssl(['verify', '-CAfile', sim.caCertificatePath('jpki-sign-2023'), cert.file]);
    expect(verify.stdout).toContain(': OK');
    // the other generation's key does not verify it, though the DN is the same
    const other = await openssl(['verify', '-CAfile', sim.caCertificatePath('jpki-sign-2015'), cert.file]);
    expect(other.code).not.toBe(0);
  });

  it('authentication certificates carry the auth policy and no personal data; EC and per-certificate RSA keys on request', async () => {
    const auth = await sim.issueCertificate({ ca: 'jpki-auth-2015', key: 'ec' });
    expect(auth.details).toBeNull();
    const parsed = parseCertificate(auth.pem);
    expect(jpkiKind(parsed)).toBe('auth');
    expect(readJpkiBasicDetails(parsed)).toBeNull();
    expect(createPublicKey(createPrivateKey(auth.privateKeyPem)).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const text = await openssl(['x509', '-in', auth.file, '-noout', '-text']);
    expect(text.stdout).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(text.stdout).toContain('Policy: 1.2.392.200149.8.5.1.3.30');
    expect(text.stdout).not.toContain('Subject Alternative Name');
    expect((await openssl(['verify', '-CAfile', sim.caCertificatePath('jpki-auth-2015'), auth.file])).stdout).toContain(': OK');

    const rsa = await sim.issueCertificate({ ca: 'jpki-auth-2015', key: 'rsa' });
    const shared = await sim.issueCertificate({ ca: 'jpki-auth-2015' });
    expect(rsa.privateKeyPem).not.toBe(shared.privateKeyPem);
    expect(rsa.serialNumber).toBe(auth.serialNumber + 1);
    expect(shared.serialNumber).toBe(auth.serialNumber + 2);
  });

  it('rejects unknown CAs and out-of-range serials with typed errors', async () => {
    await expect(sim.issueCertificate({ ca: 'jpki-nope' })).rejects.toMatchObject({ code: 'SIM_UNKNOWN_CA' });
    await expect(sim.issueCertificate({ ca: 'jpki-sign', serial: '1FFFFFFFF' })).rejects.toMatchObject({ code: 'SIM_SERIAL_OUT_OF_RANGE' });
    await expect(sim.issueCertificate({ ca: 'jpki-sign', serial: 'xyz' })).rejects.toMatchObject({ code: 'SERIAL_MALFORMED' });
  });
});
