/**
 * The fuzz seeds, fixed so that case i of seed S is the same input everywhere: the committed corpus (corpus/, written by
 * scripts/fuzz-corpus.ts: small CRLs built here with an EC key and every field the scanner reads — reasons, invalidity dates,
 * long and negative serials, IDP, delta, AKI, unknown extensions — and the simulator's RSA CRLs, JPKI certificates and OCSP
 * answers), the package's fixtures (an openssl CRL, JPKI-like certificates, an openssl delegated OCSP answer) and a few NIST
 * PKITS CRLs and certificates (installed by the test set-up).
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import {
  bitString,
  enumerated,
  explicit,
  extension,
  generalizedTime,
  implicitConstructed,
  implicitPrimitive,
  integer,
  octetString,
  oid,
  parseCertificate,
  pemToDer,
  sequence,
  set,
  tlv,
  utcTime,
  utf8String,
} from '@jpki-validator/x509';
import type { FuzzSeed, FuzzTarget } from './targets.ts';

const PKITS = '/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data';
const fixture = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/${path}`, import.meta.url)));
const pemOrDer = (bytes: Uint8Array, label: string): Uint8Array => (bytes[0] === 0x30 ? bytes : pemToDer(bytes, label));
const keyPemOf = (certDer: Uint8Array): string => {
  const key = parseCertificate(certDer).publicKey;
  if (!key) throw new Error('certificate without a usable key');
  return key.export({ type: 'spki', format: 'pem' }).toString();
};

const ECDSA_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

/** a signed CRL with `entries` and `extensions` (EC P-256, SHA-256) */
function builtCrl(key: ReturnType<typeof generateKeyPairSync>['privateKey'], entries: Uint8Array[], extensions: Uint8Array[]): Uint8Array {
  const issuer = sequence(
    set(sequence(oid('2.5.4.6'), tlv(0x13, new TextEncoder().encode('JP')))),
    set(sequence(oid('2.5.4.3'), utf8String('Fuzz CA'))),
  );
  const tbs = sequence(
    integer(1),
    ECDSA_SHA256,
    issuer,
    utcTime(new Date('2026-01-01T00:00:00Z')),
    utcTime(new Date('2026-01-08T00:00:00Z')),
    ...(entries.length > 0 ? [sequence(...entries)] : []),
    ...(extensions.length > 0 ? [explicit(0, sequence(...extensions))] : []),
  );
  return sequence(tbs, ECDSA_SHA256, bitString(new Uint8Array(sign('sha256', tbs, key))));
}

function entry(serial: bigint | number, reason?: number, invalidity?: Date, extra: Uint8Array[] = []): Uint8Array {
  const exts = [
    ...(reason === undefined ? [] : [extension('2.5.29.21', false, enumerated(reason))]),
    ...(invalidity ? [extension('2.5.29.24', false, generalizedTime(invalidity))] : []),
    ...extra,
  ];
  return sequence(integer(serial), utcTime(new Date('2025-12-01T09:30:00Z')), ...(exts.length ? [sequence(...exts)] : []));
}

export function builtCrlSeeds(): FuzzSeed[] {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issuerKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const number = (n: number | bigint) => extension('2.5.29.20', false, integer(n));
  const aki = extension('2.5.29.35', false, sequence(implicitPrimitive(0, new Uint8Array(20).fill(7))));
  const idp = extension(
    '2.5.29.28',
    true,
    sequence(
      implicitConstructed(0, implicitConstructed(0, implicitPrimitive(6, new TextEncoder().encode('http://crl.example.test/p0001.crl')))),
      implicitPrimitive(1, Uint8Array.of(0xff)),
    ),
  );
  const mixed = [
    entry(1, 1),
    entry(0x7f00d015, 3),
    entry(0x1234, 4, new Date('2025-11-30T00:00:00Z')),
    entry(2n ** 64n + 5n, 6),
    entry(-2),
    entry(0xabcdef, 5, undefined, [extension('1.3.6.1.4.1.99999.7', false, octetString(Uint8Array.of(1)))]),
  ];
  const seeds: [string, Uint8Array][] = [
    ['built-mixed', builtCrl(privateKey, mixed, [number(42), aki])],
    ['built-partition', builtCrl(privateKey, mixed.slice(0, 3), [number(7), aki, idp])],
    ['built-delta', builtCrl(privateKey, [entry(9, 8), entry(10, 2)], [number(43), extension('2.5.29.27', true, integer(42))])],
    ['built-empty', builtCrl(privateKey, [], [number(1)])],
    [
      'built-unknown-ext',
      builtCrl(privateKey, [entry(3, 0)], [number(2), extension('1.2.3.4.5', false, octetString(Uint8Array.of(0xab)))]),
    ],
    ['built-v1-like', builtCrl(privateKey, [entry(4), entry(5)], [])],
  ];
  return seeds.map(([name, der]) => ({ name, der, issuerKeyPem }));
}

export function fixtureCrlSeeds(): FuzzSeed[] {
  return [{ name: 'openssl-fixture-ca', der: fixture('crl/fixture-ca.crl'), issuerKeyPem: keyPemOf(fixture('crl/fixture-ca.crt')) }];
}

/** PKITS CRLs with the certificate of the CA that signed each */
export function pkitsCrlSeeds(): FuzzSeed[] {
  const pairs: [string, string][] = [
    ['GoodCACRL', 'GoodCACert'],
    ['deltaCRLCA1CRL', 'deltaCRLCA1Cert'],
    ['deltaCRLCA1deltaCRL', 'deltaCRLCA1Cert'],
    ['distributionPoint1CACRL', 'distributionPoint1CACert'],
    ['onlySomeReasonsCA1compromiseCRL', 'onlySomeReasonsCA1Cert'],
    ['LongSerialNumberCACRL', 'LongSerialNumberCACert'],
    ['NegativeSerialNumberCACRL', 'NegativeSerialNumberCACert'],
    ['UnknownCRLEntryExtensionCACRL', 'UnknownCRLEntryExtensionCACert'],
    ['indirectCRLCA1CRL', 'indirectCRLCA1Cert'],
  ];
  if (!existsSync(`${PKITS}/crls`)) return [];
  return pairs.map(([crl, ca]) => ({
    name: `pkits-${crl}`,
    der: new Uint8Array(readFileSync(`${PKITS}/crls/${crl}.crl`)),
    issuerKeyPem: keyPemOf(new Uint8Array(readFileSync(`${PKITS}/certs/${ca}.crt`))),
  }));
}

export function certSeeds(): FuzzSeed[] {
  const ca = pemOrDer(fixture('cert/jpki-like-ca.pem'), 'CERTIFICATE');
  const seeds: FuzzSeed[] = [
    { name: 'jpki-like-sign', der: pemOrDer(fixture('cert/jpki-like-sign.pem'), 'CERTIFICATE'), issuerKeyPem: keyPemOf(ca) },
    { name: 'jpki-like-ca', der: ca, issuerKeyPem: keyPemOf(ca) },
  ];
  if (existsSync(`${PKITS}/certs`)) {
    const cert = (name: string): Uint8Array => new Uint8Array(readFileSync(`${PKITS}/certs/${name}.crt`));
    seeds.push(
      { name: 'pkits-GoodCACert', der: cert('GoodCACert'), issuerKeyPem: keyPemOf(cert('TrustAnchorRootCertificate')) },
      { name: 'pkits-ValidCertificatePathTest1EE', der: cert('ValidCertificatePathTest1EE'), issuerKeyPem: keyPemOf(cert('GoodCACert')) },
    );
  }
  return seeds;
}

export function fixtureOcspSeeds(): FuzzSeed[] {
  const issuerCertDer = pemOrDer(fixture('ocsp/ca.pem'), 'CERTIFICATE');
  const nowMs = Date.parse('2027-01-01T00:00:00Z');
  return [
    { name: 'openssl-revoked-delegated', der: fixture('ocsp/revoked-delegated.der'), issuerCertDer, nowMs },
    { name: 'try-later', der: fixture('ocsp/try-later.der'), issuerCertDer, nowMs },
  ];
}

/** one seed of corpus/corpus.json */
export interface CorpusEntry {
  target: FuzzTarget;
  name: string;
  /** the seed's DER, relative to corpus/ */
  file: string;
  issuerKeyPem?: string;
  issuerCertBase64?: string;
  nowMs?: number;
}

/** the committed corpus's seeds of `target` */
export function corpusSeeds(target: FuzzTarget): FuzzSeed[] {
  const corpus = (path: string): URL => new URL(`./corpus/${path}`, import.meta.url);
  const { entries } = JSON.parse(readFileSync(corpus('corpus.json'), 'utf8')) as { entries: CorpusEntry[] };
  return entries
    .filter((e) => e.target === target)
    .map((e) => ({
      name: e.name,
      der: new Uint8Array(readFileSync(corpus(e.file))),
      ...(e.issuerKeyPem ? { issuerKeyPem: e.issuerKeyPem } : {}),
      ...(e.issuerCertBase64 ? { issuerCertDer: new Uint8Array(Buffer.from(e.issuerCertBase64, 'base64')) } : {}),
      ...(e.nowMs !== undefined ? { nowMs: e.nowMs } : {}),
    }));
}

/** every seed of `target`: the corpus, the fixtures and PKITS */
export function allSeeds(target: FuzzTarget): FuzzSeed[] {
  switch (target) {
    case 'crl':
      return [...corpusSeeds('crl'), ...fixtureCrlSeeds(), ...pkitsCrlSeeds()];
    case 'cert':
      return [...corpusSeeds('cert'), ...certSeeds()];
    case 'ocsp':
      return [...corpusSeeds('ocsp'), ...fixtureOcspSeeds()];
    default:
      return [];
  }
}
