import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  CrlScanner,
  formatNameDer,
  importPublicKey,
  readChildren,
  readTlv,
  scanCrlBuffer,
  serialFromDer,
  formatSerial,
  type CrlScanResult,
} from '../src/index.js';
import { openssl, parseOpensslCrlText } from './crl-openssl-ca.js';

/** NIST PKITS (Public Key Interoperability Test Suite) as shipped by the cryptography_vectors package. */
const PKITS = '/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data';
const crlFiles = readdirSync(`${PKITS}/crls`)
  .filter((f) => f.endsWith('.crl'))
  .sort();
const crl = (name: string): Uint8Array => new Uint8Array(readFileSync(`${PKITS}/crls/${name}`));

/** SubjectPublicKeyInfo of a certificate: Certificate → tbsCertificate → the 7th field (6th without the [0] version). */
function spkiOf(cert: Uint8Array): Uint8Array {
  const outer = readTlv(cert, 0, cert.length, 'certificate');
  const [tbs] = readChildren(cert, outer, 'certificate');
  if (!tbs) throw new Error('certificate without tbsCertificate');
  const fields = readChildren(cert, tbs, 'tbsCertificate');
  const spki = fields[(fields[0]?.tag === 0xa0 ? 1 : 0) + 5];
  if (!spki) throw new Error('tbsCertificate without subjectPublicKeyInfo');
  return cert.subarray(spki.start, spki.contentEnd);
}

/** The PKITS CA certificate whose key signs a CRL: `XCRL.crl` / `XCRLn.crl` → `XCert.crt` (or `XCertificate.crt`). */
function caCertFor(crlName: string): string | null {
  const base = crlName.replace(/CRL\d?\.crl$/, '');
  for (const name of [`${base}Cert.crt`, `${base}Certificate.crt`]) if (existsSync(`${PKITS}/certs/${name}`)) return name;
  return null;
}

/** CRLs PKITS made not to verify with their namesake CA's certificate key. */
const SIGNED_BY_ANOTHER_KEY = new Set([
  'BadCRLSignatureCACRL.crl', // signature altered (its BIT STRING now has an unused bit)
  'BasicSelfIssuedCRLSigningKeyCACRL.crl', // signed by the separate CRL-signing key
  'BasicSelfIssuedOldKeyCACRL.crl', // signed by the new key
  'WrongCRLCACRL.crl', // the trust anchor's CRL under this CA's name
]);

function entries(bytes: Uint8Array): { serial: bigint; offset: number; serialNumber: number; reason: number; issuer: string | null }[] {
  const out: { serial: bigint; offset: number; serialNumber: number; reason: number; issuer: string | null }[] = [];
  scanCrlBuffer(bytes, {
    onEntry: (e) => {
      // certificateIssuer GeneralNames → its first directoryName, rendered
      let issuer: string | null = null;
      if (e.certificateIssuerStart >= 0) {
        const gn = readTlv(e.buf, e.certificateIssuerStart, e.certificateIssuerEnd, 'gn');
        issuer = formatNameDer(e.buf.subarray(gn.contentStart, gn.contentEnd));
      }
      out.push({
        serial: serialFromDer(e.buf, e.serialStart, e.serialEnd),
        offset: e.offset,
        serialNumber: e.serialNumber,
        reason: e.reason,
        issuer,
      });
    },
  });
  return out;
}

describe('PKITS CRLs', () => {
  test(`all ${crlFiles.length} files scan, and agree with openssl crl -text on every entry`, async () => {
    expect(crlFiles.length).toBeGreaterThan(150);
    for (const name of crlFiles) {
      const bytes = crl(name);
      const seen: { serial: bigint; revocationDate: number }[] = [];
      const r = scanCrlBuffer(bytes, {
        onEntry: (e) => seen.push({ serial: serialFromDer(e.buf, e.serialStart, e.serialEnd), revocationDate: e.revocationDate }),
      });
      const text = parseOpensslCrlText(await openssl(['crl', '-inform', 'DER', '-in', `${PKITS}/crls/${name}`, '-text', '-noout']));
      expect({
        name,
        thisUpdate: r.header.thisUpdate.getTime(),
        nextUpdate: r.header.nextUpdate?.getTime() ?? null,
        crlNumber: r.crlNumber,
      }).toEqual({
        name,
        thisUpdate: text.lastUpdate,
        nextUpdate: text.nextUpdate,
        crlNumber: text.crlNumber,
      });
      expect(seen).toEqual(text.entries.map((e) => ({ serial: e.serial, revocationDate: e.revocationDate })));
    }
  });

  test('signatures verify with the PKITS CA certificate key (SubjectPublicKeyInfo read with der/tlv)', () => {
    let checked = 0;
    for (const name of crlFiles) {
      const cert = caCertFor(name);
      // DSAParametersInheritedCA's key has no domain parameters of its own (they come from its issuer): not importable alone.
      if (cert === null || name === 'DSAParametersInheritedCACRL.crl') continue;
      const key = importPublicKey(spkiOf(new Uint8Array(readFileSync(`${PKITS}/certs/${cert}`))));
      const r = scanCrlBuffer(crl(name), { issuerKey: key });
      expect({ name, signature: r.signature }).toEqual({ name, signature: SIGNED_BY_ANOTHER_KEY.has(name) ? 'invalid' : 'valid' });
      checked++;
    }
    expect(checked).toBeGreaterThan(140);
  });

  test('a CRL signed by another key, and one whose signature BIT STRING was altered, are invalid and unusable', () => {
    const key = importPublicKey(spkiOf(new Uint8Array(readFileSync(`${PKITS}/certs/BadCRLSignatureCACert.crt`))));
    const altered = scanCrlBuffer(crl('BadCRLSignatureCACRL.crl'), { issuerKey: key });
    expect(altered.usable).toBe(false);
    expect(altered.problems.map((p) => p.code)).toEqual(['SIGNATURE_INVALID']);
    const wrongKey = importPublicKey(spkiOf(new Uint8Array(readFileSync(`${PKITS}/certs/GoodCACert.crt`))));
    const bytes = crl('TrustAnchorRootCRL.crl');
    const r = scanCrlBuffer(bytes, { issuerKey: wrongKey });
    expect(r.signature).toBe('invalid');
    // The problem points at the end of tbsCertList, where the signed bytes stop.
    const tbsEnd = readTlv(bytes, r.header.tbsOffset, bytes.length, 'tbsCertList').contentEnd;
    expect(r.problems).toEqual([
      { code: 'SIGNATURE_INVALID', message: 'the signature does not verify with the issuer key', offset: tbsEnd },
    ]);
  });

  test('LongSerialNumberCACRL: a 20-octet serial, reported faithfully', () => {
    const [e] = entries(crl('LongSerialNumberCACRL.crl'));
    expect(e?.serial).toBe(0x7f0102030405060708090a0b0c0d0e0f10111213n);
    expect(e?.serialNumber).toBe(-1);
    expect(e?.reason).toBe(1);
  });

  test('NegativeSerialNumberCACRL: serial -1 (printed -01 like OpenSSL), the offset still valid', () => {
    const bytes = crl('NegativeSerialNumberCACRL.crl');
    const [e] = entries(bytes);
    expect(e?.serial).toBe(-1n);
    expect(formatSerial(e?.serial ?? 0n)).toBe('-01');
    expect(e?.serialNumber).toBe(-1);
    expect(bytes[e?.offset ?? 0]).toBe(0x30);
    expect(bytes[(e?.offset ?? 0) + 2]).toBe(0x02);
  });

  test('UnknownCRLExtensionCACRL (PKITS 4.4.9): unknown critical crlExtension makes it unusable', () => {
    const r = scanCrlBuffer(crl('UnknownCRLExtensionCACRL.crl'));
    expect(r.usable).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(['UNKNOWN_CRITICAL_EXTENSION']);
    expect(r.extensions.find((x) => !x.known)).toMatchObject({ oid: '2.16.840.1.101.2.1.12.2', critical: true });
    expect(r.entryCount).toBe(1);
  });

  test('UnknownCRLEntryExtensionCACRL (PKITS 4.4.8): unknown critical entry extension makes it unusable', () => {
    const r = scanCrlBuffer(crl('UnknownCRLEntryExtensionCACRL.crl'));
    expect(r.usable).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(['UNKNOWN_CRITICAL_ENTRY_EXTENSION']);
    expect(r.problems[0]?.offset).toBeGreaterThan(r.header.tbsOffset);
  });

  test('GeneralizedTimeCRLnextUpdateCACRL: nextUpdate as GeneralizedTime (2050)', () => {
    const r = scanCrlBuffer(crl('GeneralizedTimeCRLnextUpdateCACRL.crl'));
    expect(r.header.nextUpdate?.toISOString()).toBe('2050-01-01T12:01:00.000Z');
    expect(r.header.thisUpdate.toISOString()).toBe('2010-01-01T08:30:00.000Z');
    expect(r.entryCount).toBe(0);
    expect(r.reasons).toEqual({});
  });

  test('deltaCRLIndicatorNoBaseCACRL and deltaCRLCA1deltaCRL: delta CRLs with BaseCRLNumber, removeFromCRL counted by name', () => {
    const noBase = scanCrlBuffer(crl('deltaCRLIndicatorNoBaseCACRL.crl'));
    expect(noBase.deltaCrlIndicator).toBe(1n);
    expect(noBase.crlNumber).toBe(5n);
    expect(noBase.usable).toBe(true);
    expect(noBase.extensions.find((x) => x.oid === '2.5.29.27')).toMatchObject({ critical: true, known: true });
    const delta = scanCrlBuffer(crl('deltaCRLCA1deltaCRL.crl'));
    expect(delta.deltaCrlIndicator).toBe(1n);
    expect(delta.reasons).toEqual({ keyCompromise: 2, removeFromCRL: 2 });
    // The base CRL points at its deltas with freshestCRL; the delta itself does not.
    expect(scanCrlBuffer(crl('deltaCRLCA1CRL.crl')).freshestCrl).toBe(true);
    expect(delta.freshestCrl).toBe(false);
  });

  test('issuingDistributionPoint: fullName DirName, onlySomeReasons, onlyContainsUserCerts', () => {
    expect(scanCrlBuffer(crl('distributionPoint1CACRL.crl')).issuingDistributionPoint).toMatchObject({
      fullName: ['DirName:CN=CRL1 of distributionPoint1 CA,OU=distributionPoint1 CA,O=Test Certificates 2011,C=US'],
      nameRelativeToCRLIssuer: null,
      indirectCRL: false,
      onlySomeReasons: null,
    });
    expect(scanCrlBuffer(crl('onlySomeReasonsCA1compromiseCRL.crl')).issuingDistributionPoint?.onlySomeReasons).toEqual([
      'keyCompromise',
      'cACompromise',
    ]);
    expect(scanCrlBuffer(crl('onlyContainsUserCertsCACRL.crl')).issuingDistributionPoint).toMatchObject({
      onlyContainsUserCerts: true,
      fullName: null,
    });
  });

  test('indirectCRLCA5CRL: an indirect CRL is still scanned, its certificateIssuer entries located, and flagged INDIRECT_CRL', () => {
    const bytes = crl('indirectCRLCA5CRL.crl');
    const r = scanCrlBuffer(bytes);
    expect(r.usable).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(['INDIRECT_CRL']);
    expect(r.issuingDistributionPoint?.indirectCRL).toBe(true);
    const list = entries(bytes);
    expect(list.length).toBe(11);
    expect(list[0]?.issuer).toBe(null);
    expect(list[1]?.issuer).toBe('CN=indirectCRL CA6,O=Test Certificates 2011,C=US');
  });

  test('DSA-signed CRLs verify', () => {
    const key = importPublicKey(spkiOf(new Uint8Array(readFileSync(`${PKITS}/certs/DSACACert.crt`))));
    const r: CrlScanResult = scanCrlBuffer(crl('DSACACRL.crl'), { issuerKey: key });
    expect(r.header.signatureAlgorithm.scheme).toBe('dsa');
    expect(r.signature).toBe('valid');
  });

  test('1-byte chunks give the same result on every PKITS CRL', () => {
    for (const name of crlFiles) {
      const bytes = crl(name);
      const whole = scanCrlBuffer(bytes);
      const scanner = new CrlScanner();
      for (let i = 0; i < bytes.length; i++) scanner.push(bytes.subarray(i, i + 1));
      const split = scanner.end();
      expect({ name, ...split, header: { ...split.header } }).toEqual({ name, ...whole, header: { ...whole.header } });
    }
  });
});
