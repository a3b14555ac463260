import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OID, X509Error, parseCertificate, verifyCertificateSignature, type ParsedCertificate } from '@jpki-validator/x509';
import { issue, makeTempDir, openssl, selfSigned, type Issued, type TempDir } from './cert-openssl-helpers.js';

// The real J-LIS roots, in shared/ beside the repository (as on every developer machine and in CI).
const ANCHORS = fileURLToPath(new URL('../../config/trust-anchors', import.meta.url));
const PKITS = '/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data/certs';
const ROOTS = ['sign_ca_2015', 'sign_ca_2023', 'auth_ca_2015', 'auth_ca_2023'] as const;

const hex = (b: Uint8Array | null): string | null => (b ? Buffer.from(b).toString('hex').toUpperCase() : null);
/** `openssl x509 -serial` prints whole octets (`serial=01`); compare values. */
const opensslSerial = (out: string): bigint => BigInt(`0x${/serial=([0-9A-F]+)/.exec(out)?.[1] ?? 'X'}`);
const opensslField = (out: string, field: string): string => new RegExp(`^${field}=(.*)$`, 'm').exec(out)?.[1]?.trim() ?? '';

/**
 * RFC 4514 leaves the order inside a multi-valued RDN open: we keep DER order, `openssl -nameopt RFC2253` reverses it.
 * Sort each RDN's parts before comparing.
 */
const rdnSorted = (dn: string): string =>
  dn
    .split(/(?<!\\),/)
    .map((rdn) =>
      rdn
        .split(/(?<!\\)\+/)
        .sort()
        .join('+'),
    )
    .join(',');

/** Cross-checks serial, names and validity with `openssl x509` on the same file. */
async function crossCheck(path: string, cert: ParsedCertificate, inform: 'PEM' | 'DER' = 'PEM'): Promise<void> {
  const out = await openssl([
    'x509',
    '-inform',
    inform,
    '-in',
    path,
    '-noout',
    '-serial',
    '-subject',
    '-issuer',
    '-startdate',
    '-enddate',
    '-nameopt',
    'RFC2253',
  ]);
  expect(cert.serial).toBe(opensslSerial(out));
  expect(rdnSorted(cert.subject.text)).toBe(rdnSorted(opensslField(out, 'subject')));
  expect(rdnSorted(cert.issuer.text)).toBe(rdnSorted(opensslField(out, 'issuer')));
  expect(cert.notBefore.getTime()).toBe(new Date(opensslField(out, 'notBefore')).getTime());
  expect(cert.notAfter.getTime()).toBe(new Date(opensslField(out, 'notAfter')).getTime());
}

describe('parseCertificate on the real J-LIS roots', () => {
  const roots = Object.fromEntries(ROOTS.map((r) => [r, parseCertificate(readFileSync(`${ANCHORS}/${r}.pem`, 'utf8'))])) as Record<
    (typeof ROOTS)[number],
    ParsedCertificate
  >;

  it.each(ROOTS)('%s matches openssl and verifies its own signature', async (r) => {
    const cert = roots[r];
    await crossCheck(`${ANCHORS}/${r}.pem`, cert);
    expect(cert.version).toBe(3);
    expect(cert.selfIssued).toBe(true);
    expect(cert.signatureAlgorithm?.name).toBe('sha256WithRSAEncryption');
    expect(cert.basicConstraints).toEqual({ cA: true, pathLenConstraint: null });
    expect(cert.keyUsage).toMatchObject({ keyCertSign: true, cRLSign: true, digitalSignature: false, nonRepudiation: false });
    expect(cert.extensions.find((e) => e.oid === OID.id_ce_keyUsage)?.critical).toBe(true);
    expect(cert.publicKey?.asymmetricKeyType).toBe('rsa');
    if (!cert.publicKey) throw new Error('no key');
    expect(verifyCertificateSignature(cert, cert.publicKey)).toBe(true);
  });

  it('reads subjectKeyIdentifier as openssl prints it', async () => {
    const out = await openssl(['x509', '-in', `${ANCHORS}/sign_ca_2023.pem`, '-noout', '-ext', 'subjectKeyIdentifier']);
    const ski = /\n\s+([0-9A-F:]+)/.exec(out)?.[1]?.replaceAll(':', '');
    expect(hex(roots.sign_ca_2023.subjectKeyIdentifier)).toBe(ski);
  });

  it('the 2015 and 2023 generations share a subject DN but not a key', () => {
    expect(roots.sign_ca_2015.subject.der).toEqual(roots.sign_ca_2023.subject.der);
    expect(roots.sign_ca_2015.subject.text).toBe(
      'OU=Japan Agency for Local Authority Information Systems,OU=JPKI for digital signature,O=JPKI,C=JP',
    );
    expect(roots.sign_ca_2015.spki).not.toEqual(roots.sign_ca_2023.spki);
    const k2015 = roots.sign_ca_2015.publicKey;
    if (!k2015) throw new Error('no key');
    expect(verifyCertificateSignature(roots.sign_ca_2023, k2015)).toBe(false);
    expect(roots.auth_ca_2023.subject.text).toContain('OU=JPKI for user authentication');
  });

  it('reads DER and bare base64 as well as PEM', () => {
    const cert = roots.auth_ca_2015;
    expect(parseCertificate(cert.der).serialHex).toBe('1');
    expect(parseCertificate(Buffer.from(cert.der).toString('base64')).tbs).toEqual(cert.tbs);
    expect(roots.sign_ca_2023.serialHex).toBe('67C6A21');
  });
});

describe('parseCertificate on malformed input', () => {
  const good = parseCertificate(readFileSync(`${ANCHORS}/sign_ca_2023.pem`, 'utf8')).der;
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      if (e instanceof X509Error) return `${e.code}: ${e.message}`;
      throw e;
    }
    return 'no error';
  };

  it('names the byte offset of a truncation', () => {
    expect(code(() => parseCertificate(good.subarray(0, 500)))).toMatch(
      /^CERT_MALFORMED: malformed certificate: .* at byte 0 \(certificate\)/,
    );
  });
  it('rejects trailing data, wrong PEM labels and non-base64 text', () => {
    expect(code(() => parseCertificate(Uint8Array.from([...good, 0])))).toMatch(/^CERT_MALFORMED: .*1 bytes after the end/);
    expect(code(() => parseCertificate('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n'))).toMatch(
      /CERT_MALFORMED: PEM block is "X509 CRL"/,
    );
    expect(code(() => parseCertificate('hello, world'))).toBe('CERT_MALFORMED: text is neither PEM nor base64');
    expect(code(() => parseCertificate(''))).toBe('CERT_MALFORMED: empty input');
  });
  it('names the field when a tag is wrong', () => {
    const broken = Uint8Array.from(good);
    // tbsCertificate starts at 4; its first child is version [0] at 8: make serialNumber (INTEGER at 13) an OCTET STRING
    expect(broken[13]).toBe(0x02);
    broken[13] = 0x04;
    expect(code(() => parseCertificate(broken))).toMatch(/expected tag 0x02, found 0x04 at byte 13 \(tbsCertificate.serialNumber\)/);
  });
});

describe('parseCertificate on PKITS', () => {
  const read = (name: string): ParsedCertificate => parseCertificate(readFileSync(`${PKITS}/${name}.crt`));

  it('reports a negative serial as OpenSSL does', async () => {
    const cert = read('InvalidNegativeSerialNumberTest15EE');
    expect(cert.serial).toBe(-1n);
    expect(cert.serialHex).toBe('-01');
    const out = await openssl(['x509', '-inform', 'DER', '-in', `${PKITS}/InvalidNegativeSerialNumberTest15EE.crt`, '-noout', '-serial']);
    expect(out.trim()).toBe('serial=-01');
  });

  it('reads a DSA key with inherited parameters as "no key, with a reason"', () => {
    const cert = read('DSAParametersInheritedCACert');
    expect(cert.publicKey).toBeNull();
    expect(cert.publicKeyError).toMatch(/inherited from the issuer/);
    expect(read('DSACACert').publicKey?.asymmetricKeyType).toBe('dsa');
  });

  it('verifies good signatures and refuses a corrupted one (unused bits in the BIT STRING)', () => {
    const anchor = read('TrustAnchorRootCertificate');
    const good = read('GoodCACert');
    const bad = read('BadSignedCACert');
    if (!anchor.publicKey) throw new Error('no key');
    expect(verifyCertificateSignature(good, anchor.publicKey)).toBe(true);
    expect(bad.signatureUnusedBits).toBe(1);
    expect(verifyCertificateSignature(bad, anchor.publicKey)).toBe(false);
    expect(good.authorityKeyIdentifier).toEqual(anchor.subjectKeyIdentifier);
  });

  it('matches openssl on a name-heavy certificate', async () => {
    const name = 'ValidRFC822nameConstraintsTest21EE';
    await crossCheck(`${PKITS}/${name}.crt`, read(name), 'DER');
  });

  it('reads distribution points with a cRLIssuer and a relative name (as openssl -ext crlDistributionPoints shows them)', () => {
    const full = read('ValidcRLIssuerTest28EE').cRLDistributionPoints;
    expect(full).toEqual([
      {
        fullName: ['DirName:CN=indirect CRL for indirectCRL CA3,OU=indirectCRL CA3 cRLIssuer,O=Test Certificates 2011,C=US'],
        nameRelativeToCRLIssuer: null,
        reasons: null,
        cRLIssuer: ['DirName:OU=indirectCRL CA3 cRLIssuer,O=Test Certificates 2011,C=US'],
        distributionPointDer: expect.any(Uint8Array),
      },
    ]);
    const [relative] = read('ValidcRLIssuerTest29EE').cRLDistributionPoints ?? [];
    expect(relative?.nameRelativeToCRLIssuer).toBe('CN=indirect CRL for indirectCRL CA3');
    expect(relative?.cRLIssuer).toEqual(['DirName:OU=indirectCRL CA3 cRLIssuer,O=Test Certificates 2011,C=US']);
    expect(read('TrustAnchorRootCertificate').cRLDistributionPoints).toBeNull();
  });
});

describe('parseCertificate on certificates openssl makes', () => {
  let dir: TempDir;
  let rsaCa: Issued;
  let leaf: Issued;

  beforeAll(async () => {
    dir = await makeTempDir('cert-parse');
    rsaCa = await selfSigned(dir, {
      name: 'ca',
      subject: '/C=JP/O=Example, Inc./CN=Test CA',
      extensions: 'basicConstraints = critical,CA:TRUE,pathlen:1\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash',
    });
    leaf = await issue(dir, rsaCa, {
      name: 'leaf',
      subject: '/C=JP/CN=leaf+serialNumber=42',
      serial: '0x00FF7F00D015',
      key: 'ec-p256',
      extensions: [
        'basicConstraints = critical,CA:FALSE',
        'keyUsage = critical,digitalSignature,nonRepudiation',
        'extendedKeyUsage = clientAuth,emailProtection',
        'certificatePolicies = 1.2.392.200149.8.5.1.1.20, 1.3.6.1.4.1.99999.1',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid:always',
        'subjectAltName = DNS:example.test, email:a@example.test, IP:192.0.2.1, URI:https://example.test/x',
        'authorityInfoAccess = OCSP;URI:http://ocsp.example.test/, caIssuers;URI:http://example.test/ca.der',
        'crlDistributionPoints = URI:http://example.test/full.crl, dp_part, dp_rel',
        '1.3.6.1.4.1.99999.7 = critical,ASN1:UTF8String:private',
        '[dp_part]',
        'fullname = URI:http://example.test/part1.crl, dirName:dp_dir',
        'reasons = keyCompromise, CACompromise, AACompromise',
        'CRLissuer = dirName:dp_dir',
        '[dp_rel]',
        'relativename = dp_rel_rdn',
        '[dp_rel_rdn]',
        'CN = Partition 7',
        '[dp_dir]',
        'C = JP',
        'CN = Partition 1',
      ].join('\n'),
    });
  });
  afterAll(async () => dir.remove());

  it('reads every field openssl wrote', async () => {
    const cert = parseCertificate(readFileSync(leaf.certPath, 'utf8'));
    await crossCheck(leaf.certPath, cert);
    expect(cert.serialHex).toBe('FF7F00D015');
    expect(cert.subject.text).toBe('serialNumber=42+CN=leaf,C=JP'); // DER order of the SET
    expect(cert.keyUsage).toEqual({
      digitalSignature: true,
      nonRepudiation: true,
      keyEncipherment: false,
      dataEncipherment: false,
      keyAgreement: false,
      keyCertSign: false,
      cRLSign: false,
      encipherOnly: false,
      decipherOnly: false,
    });
    expect(cert.basicConstraints).toEqual({ cA: false, pathLenConstraint: null });
    expect(cert.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4']);
    expect(cert.certificatePolicies).toEqual([OID.jpki_policy_sign, '1.3.6.1.4.1.99999.1']);
    expect(cert.subjectAltName).toEqual(['DNS:example.test', 'email:a@example.test', 'IP Address:192.0.2.1', 'URI:https://example.test/x']);
    expect(cert.ocspUrls).toEqual(['http://ocsp.example.test/']);
    expect(cert.caIssuers).toEqual(['http://example.test/ca.der']);
    expect(cert.authorityKeyIdentifier).toEqual(parseCertificate(rsaCa.der).subjectKeyIdentifier);
    expect(cert.publicKey?.asymmetricKeyType).toBe('ec');
    expect(cert.selfIssued).toBe(false);
    const unknown = cert.extensions.find((e) => e.oid === '1.3.6.1.4.1.99999.7');
    expect(unknown).toMatchObject({ critical: true, known: false });
    expect(cert.extensions.find((e) => e.oid === OID.id_ce_keyUsage)?.known).toBe(true);
  });

  it('reads cRLDistributionPoints like openssl, keeping the DistributionPointName DER', async () => {
    const cert = parseCertificate(leaf.der);
    const [full, part, rel] = cert.cRLDistributionPoints ?? [];
    expect(full).toMatchObject({
      fullName: ['URI:http://example.test/full.crl'],
      reasons: null,
      cRLIssuer: null,
      nameRelativeToCRLIssuer: null,
    });
    expect(part).toMatchObject({
      fullName: ['URI:http://example.test/part1.crl', 'DirName:CN=Partition 1,C=JP'],
      reasons: ['keyCompromise', 'cACompromise', 'aACompromise'],
      cRLIssuer: ['DirName:CN=Partition 1,C=JP'],
    });
    expect(rel).toMatchObject({ fullName: null, nameRelativeToCRLIssuer: 'CN=Partition 7' });
    expect(full?.distributionPointDer?.[0]).toBe(0xa0);
    expect(rel?.distributionPointDer?.[0]).toBe(0xa1);
    // the DER is the element openssl shows inside the extension: find it in the extension value
    const ext = cert.extensions.find((e) => e.oid === OID.id_ce_cRLDistributionPoints)?.value ?? new Uint8Array();
    expect(Buffer.from(ext).indexOf(Buffer.from(rel?.distributionPointDer ?? []))).toBeGreaterThan(0);
    const text = await openssl(['x509', '-in', leaf.certPath, '-noout', '-ext', 'crlDistributionPoints']);
    expect(text).toContain('Relative Name:');
    expect(text).toContain('CN = Partition 7');
    expect(text).toContain('Key Compromise, CA Compromise, AA Compromise');
  });

  it('verifies the signature with the issuer key only', () => {
    const cert = parseCertificate(leaf.der);
    const ca = parseCertificate(rsaCa.der);
    if (!ca.publicKey || !cert.publicKey) throw new Error('no key');
    expect(verifyCertificateSignature(cert, ca.publicKey)).toBe(true);
    expect(verifyCertificateSignature(cert, cert.publicKey)).toBe(false);
    const tampered = Uint8Array.from(leaf.der);
    const at = Buffer.from(tampered).indexOf(Buffer.from('example.test'));
    tampered[at] = 0x45; // 'E'
    expect(verifyCertificateSignature(parseCertificate(tampered), ca.publicKey)).toBe(false);
  });

  it.each([
    ['rsa-pss', 'rsassaPss', 'rsa-pss'],
    ['ec-p256', 'ecdsa-with-SHA256', 'ec'],
    ['ec-p384', 'ecdsa-with-SHA384', 'ec'],
  ] as const)('reads and verifies a self-signed %s certificate', async (key, algName, keyType) => {
    const digest = key === 'ec-p384' ? 'sha384' : 'sha256';
    const issued = await selfSigned(dir, {
      name: `self-${key}`,
      subject: `/CN=${key} root/O=Test`,
      key,
      digest,
      serial: '0x7F00D015',
      extensions: 'basicConstraints = critical,CA:TRUE\nkeyUsage = keyCertSign',
      ...(key === 'rsa-pss' ? { signOptions: ['-sigopt', 'rsa_pss_saltlen:32'] } : {}),
    });
    const cert = parseCertificate(issued.der);
    await crossCheck(issued.certPath, cert);
    expect(cert.signatureAlgorithm?.name).toBe(algName);
    expect(cert.signatureAlgorithm?.hash).toBe(digest);
    if (key === 'rsa-pss') expect(cert.signatureAlgorithm?.saltLength).toBe(32);
    expect(cert.publicKey?.asymmetricKeyType).toBe(keyType);
    expect(cert.selfIssued).toBe(true);
    expect(cert.serialHex).toBe('7F00D015');
    if (!cert.publicKey) throw new Error('no key');
    expect(verifyCertificateSignature(cert, cert.publicKey)).toBe(true);
    const text = await openssl(['x509', '-in', issued.certPath, '-noout', '-text']);
    expect(text).toContain(`Signature Algorithm: ${algName}`);
  });

  it('names the extension and offset when an extension value is malformed', async () => {
    const issued = await issue(dir, rsaCa, {
      name: 'bad-ku',
      subject: '/CN=bad ku',
      key: 'ec-p256',
      serial: '10',
      extensions: 'keyUsage = critical,DER:0500',
    });
    expect(() => parseCertificate(issued.der)).toThrow(
      new X509Error(
        'CERT_MALFORMED',
        'malformed certificate: extension 2.5.29.15: expected tag 0x03, found 0x05 at byte 0 (keyUsage) within extnValue',
      ),
    );
    // openssl itself accepts the structure but cannot print the value
    expect(await openssl(['x509', '-in', issued.certPath, '-noout', '-ext', 'keyUsage'])).toContain('Key Usage: critical');
  });

  it('signs with RSA-PSS from an rsaEncryption key', async () => {
    const issued = await issue(dir, rsaCa, {
      name: 'pss-leaf',
      subject: '/CN=pss leaf',
      serial: '9',
      signOptions: ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:20'],
    });
    const cert = parseCertificate(issued.der);
    const ca = parseCertificate(rsaCa.der);
    expect(cert.signatureAlgorithm).toMatchObject({ scheme: 'rsa-pss', hash: 'sha256', saltLength: 20 });
    if (!ca.publicKey) throw new Error('no key');
    expect(verifyCertificateSignature(cert, ca.publicKey)).toBe(true);
  });
});
