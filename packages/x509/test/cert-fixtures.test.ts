import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  X509Error,
  jpkiKind,
  parseCertificate,
  readJpkiBasicDetails,
  revealJpkiBasicDetails,
  verifyCertificateSignature,
} from '@jpki-validator/x509';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/cert/${name}`, import.meta.url));

function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof X509Error) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('certificate fixtures (see fixtures/README.md)', () => {
  const ca = parseCertificate(fixture('jpki-like-ca.pem').toString('utf8'));
  const sign = parseCertificate(fixture('jpki-like-sign.pem').toString('utf8'));

  it('reads the JPKI-like signature certificate', () => {
    if (!ca.publicKey) throw new Error('no key');
    expect(verifyCertificateSignature(sign, ca.publicKey)).toBe(true);
    expect(sign.serialHex).toBe('7F00D015');
    expect(sign.subject.text).toBe('CN=202611240001A0000000000000000001,C=JP');
    expect(sign.issuer.der).toEqual(ca.subject.der);
    expect(sign.cRLDistributionPoints?.map((d) => d.fullName)).toEqual([['URI:http://crl.example.test/sign/part-0001.crl']]);
    expect(sign.ocspUrls).toEqual(['http://ocsp.example.test/sign']);
    expect(sign.authorityKeyIdentifier).toEqual(ca.subjectKeyIdentifier);
    expect(jpkiKind(sign)).toBe('sign');
    const details = readJpkiBasicDetails(sign);
    expect(details && revealJpkiBasicDetails(details)).toEqual({
      name: '試験 花子',
      address: '東京都港区試験町一丁目1番1号',
      birthDate: '1990-08-15',
      birthDateEra: 'heisei',
      birthDatePrecision: 'day',
      birthDateSeason: null,
      birthDateRaw: '419900815',
      gender: 'female',
      genderRaw: '2',
      nameSubstituted: false,
      addressSubstituted: false,
    });
  });

  it('refuses the broken ones with typed errors naming the place', () => {
    expect(failure(() => parseCertificate(fixture('broken-truncated.der')))).toMatch(
      /^CERT_MALFORMED: malformed certificate: element of \d+ bytes runs past the end .* at byte 0 \(certificate\)$/,
    );
    expect(failure(() => parseCertificate(fixture('broken-trailing-byte.der')))).toMatch(
      /^CERT_MALFORMED: malformed certificate: 1 bytes after the end of the element at byte 848 \(certificate\)$/,
    );
  });

  it('reads a gender code outside 1–3 as gender null with its raw text, not as a broken certificate', () => {
    const badGender = parseCertificate(fixture('broken-jpki-gender.pem').toString('utf8'));
    const details = readJpkiBasicDetails(badGender);
    expect(details && revealJpkiBasicDetails(details)).toMatchObject({ gender: null, genderRaw: '9', birthDatePrecision: 'day' });
  });
});
