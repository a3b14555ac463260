import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, lastJson, openssl, PKITS, TRUST_ANCHORS } from './run-cli.js';
import { createSimFixture, ok, type SimFixture } from './sim-fixture.js';

interface Described {
  serial: string;
  issuer: string;
  subject: string;
  caId?: string | null;
  kind: string;
  notBefore: string;
  notAfter: string;
  keyId: string | null;
  authorityKeyId: string | null;
  crlDistributionPoints: string[];
  ocsp: string[];
  basicDetails?: Record<string, string | null> | null;
}

interface Verified {
  result: string;
  errors: Array<{ code: string; message: string; depth: number }>;
  revocation: { serial: string; reason: string } | null;
}

let fx: SimFixture;

beforeAll(async () => {
  await ensureBuilt();
  fx = await createSimFixture();
});

afterAll(async () => {
  await fx.cleanup();
});

/** openssl's serial (`serial=067C6A21`) in the contract's form. */
async function opensslSerial(file: string, form = 'PEM'): Promise<string> {
  const out = await openssl(['x509', '-inform', form, '-in', file, '-noout', '-serial']);
  return out
    .trim()
    .replace(/^serial=/, '')
    .replace(/^0+(?=.)/, '');
}

describe('cert inspect', () => {
  it('describes a simulator signature certificate without personal data unless asked', async () => {
    const plain = await ok(['cert', 'inspect', fx.signLeaf]);
    const cert = lastJson<Described>(plain);
    expect(cert.serial).toBe(fx.signLeafSerial);
    expect(cert.serial).toBe(await opensslSerial(fx.signLeaf));
    expect(cert.kind).toBe('sign');
    expect(cert.issuer).toBe('OU=Simulator,OU=JPKI for digital signature,O=JPKI Simulator (not J-LIS),C=JP');
    expect(cert.crlDistributionPoints[0]).toBe('http://127.0.0.1:8081/crl/jpki-sign-2023/full.crl');
    expect(cert.crlDistributionPoints[1]).toMatch(/^http:\/\/127\.0\.0\.1:8081\/crl\/jpki-sign-2023\/p000[01]\.crl$/);
    expect(cert.ocsp).toEqual(['http://127.0.0.1:8081/ocsp']);
    expect(cert).not.toHaveProperty('caId');
    expect(cert).not.toHaveProperty('basicDetails');
    expect(plain.stdout).not.toMatch(/模擬|address|birthDate/);

    const ca = lastJson<Described>(await ok(['cert', 'inspect', fx.signCa]));
    expect(cert.authorityKeyId).toBe(ca.keyId);

    const personal = lastJson<Described>(await ok(['cert', 'inspect', fx.signLeaf, '--show-personal']));
    expect(personal.basicDetails).toEqual({
      name: expect.stringMatching(/\S/),
      address: expect.stringMatching(/\S/),
      birthDate: expect.stringMatching(/^\d{4}(-\d{2}){0,2}$/),
      birthDatePrecision: 'day',
      birthDateSeason: null,
      birthDateRaw: expect.stringMatching(/^[0-5]\d{8}$/),
      birthDateEra: expect.any(String),
      gender: expect.stringMatching(/^(male|female|unknown)$/),
      genderRaw: expect.stringMatching(/^[123]$/),
    });
  });

  it('tells auth from sign, has no personal data in an auth certificate, and names the issuing CA with --ca', async () => {
    const auth = lastJson<Described>(await ok(['cert', 'inspect', fx.authLeaf, '--show-personal', '--ca', fx.signCa, fx.authCa]));
    expect(auth.kind).toBe('auth');
    expect(auth.basicDetails).toBeNull();
    expect(auth.caId).toBe('jpki-auth-2023');
    const repeated = lastJson<Described>(await ok(['cert', 'inspect', fx.signLeaf, '--ca', fx.authCa, '--ca', fx.signCa]));
    expect(repeated.caId).toBe('jpki-sign-2023');
    const none = lastJson<Described>(await ok(['cert', 'inspect', fx.signLeaf, '--ca', fx.authCa]));
    expect(none.caId).toBeNull();
  });

  it('reads the real J-LIS roots: serials as openssl prints them, kind from the CA name', async () => {
    const roots = [
      ['sign_ca_2015.pem', 'sign', '1'],
      ['sign_ca_2023.pem', 'sign', '67C6A21'],
      ['auth_ca_2015.pem', 'auth', '1'],
      ['auth_ca_2023.pem', 'auth', '6D18006'],
    ] as const;
    for (const [file, kind, serial] of roots) {
      const path = join(TRUST_ANCHORS, file);
      const root = lastJson<Described>(await ok(['cert', 'inspect', path]));
      expect(root.kind).toBe(kind);
      expect(root.serial).toBe(serial);
      expect(root.serial).toBe(await opensslSerial(path));
      expect(root.issuer).toBe(root.subject);
      expect(root.subject).toMatch(/,O=JPKI,C=JP$/);
    }
  });

  it('reads DER as well as PEM, and exits 2 on a file that is not a certificate', async () => {
    const der = join(fx.dir, 'sign.der');
    await openssl(['x509', '-in', fx.signLeaf, '-outform', 'DER', '-out', der]);
    expect(lastJson<Described>(await ok(['cert', 'inspect', der]))).toEqual(
      lastJson<Described>(await ok(['cert', 'inspect', fx.signLeaf])),
    );
    const notCert = await cli(['cert', 'inspect', fx.signCrl]);
    expect(notCert.code).toBe(2);
    expect(notCert.stderr).toMatch(/certificate .*sign\.crl: malformed certificate/);
  });
});

describe('cert verify', () => {
  it('valid with the CA and its CRL (exit 0), also through repeated and listed flags', async () => {
    const result = await cli(['cert', 'verify', fx.signLeaf, '--trust', fx.authCa, fx.signCa, '--crl', fx.signCrl]);
    expect(result.code).toBe(0);
    expect(lastJson<Verified>(result)).toMatchObject({ result: 'valid', errors: [] });
    const repeated = await cli(['cert', 'verify', fx.signLeaf, '--trust', fx.authCa, '--trust', fx.signCa, '--crl', fx.signCrl]);
    expect(repeated.code).toBe(0);
  });

  it('revoked (exit 1) when the CRL lists the certificate', async () => {
    const result = await cli(['cert', 'verify', fx.revokedLeaf, '--trust', fx.signCa, '--crl', fx.signCrl]);
    expect(result.code).toBe(1);
    const verified = lastJson<Verified>(result);
    expect(verified.result).toBe('revoked');
    expect(verified.errors).toEqual([{ code: 'CERT_REVOKED', message: expect.stringContaining('affiliationChanged'), depth: 0 }]);
    expect(verified.revocation).toMatchObject({ serial: fx.revokedLeafSerial, reason: 'affiliationChanged' });
  });

  it('unknown (exit 1) without a CRL: fail closed', async () => {
    const result = await cli(['cert', 'verify', fx.signLeaf, '--trust', fx.signCa]);
    expect(result.code).toBe(1);
    expect(lastJson<Verified>(result)).toMatchObject({ result: 'unknown', errors: [{ code: 'CRL_NOT_FOUND', depth: 0 }] });
  });

  it('invalid (exit 1) against the wrong root; not_yet_valid with --at before notBefore', async () => {
    const wrongRoot = await cli(['cert', 'verify', fx.signLeaf, '--trust', fx.authCa, '--crl', fx.signCrl]);
    expect(wrongRoot.code).toBe(1);
    expect(lastJson<Verified>(wrongRoot)).toMatchObject({ result: 'invalid', errors: [{ code: 'ISSUER_NOT_FOUND' }] });
    const early = await cli(['cert', 'verify', fx.signLeaf, '--trust', fx.signCa, '--crl', fx.signCrl, '--at', '2024-01-01T00:00:00Z']);
    expect(early.code).toBe(1);
    expect(lastJson<Verified>(early).result).toBe('not_yet_valid');
  });

  it('runs NIST PKITS 4.4.3 (revoked) and 4.1.1 (valid) through the CLI', async () => {
    const common = [
      '--trust',
      join(PKITS, 'certs/TrustAnchorRootCertificate.crt'),
      '--chain',
      join(PKITS, 'certs/GoodCACert.crt'),
      '--crl',
      join(PKITS, 'crls/TrustAnchorRootCRL.crl'),
      join(PKITS, 'crls/GoodCACRL.crl'),
      '--at',
      '2015-06-01T00:00:00Z',
    ];
    const revoked = await cli(['cert', 'verify', join(PKITS, 'certs/InvalidRevokedEETest3EE.crt'), ...common]);
    expect(revoked.code).toBe(1);
    expect(lastJson<Verified>(revoked)).toMatchObject({ result: 'revoked', errors: [{ code: 'CERT_REVOKED', depth: 0 }] });
    const valid = await cli(['cert', 'verify', join(PKITS, 'certs/ValidCertificatePathTest1EE.crt'), ...common]);
    expect(valid.code).toBe(0);
    expect(lastJson<Verified>(valid).result).toBe('valid');
  });

  it('exits 2 on bad usage: no --trust, a bad --at, a missing file', async () => {
    const noTrust = await cli(['cert', 'verify', fx.signLeaf]);
    expect(noTrust.code).toBe(2);
    expect(noTrust.stderr).toMatch(/--trust/);
    const badTime = await cli(['cert', 'verify', fx.signLeaf, '--trust', fx.signCa, '--at', 'yesterday']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toMatch(/--at "yesterday" is not a time/);
    const missing = await cli(['cert', 'verify', fx.signLeaf, '--trust', join(fx.dir, 'gone.pem')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/trusted certificate .*gone\.pem: no such file/);
  });
});
