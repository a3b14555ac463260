import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { OID, buildJpkiSubjectAltName, type JpkiBasicDetailsData } from '@jpki-validator/x509';
import { buildCertificate } from './cert-builder.js';
import {
  authorityInfoAccess,
  authorityKeyIdentifier,
  certificatePolicies,
  crlDistributionPoints,
  keyUsage,
  subjectAltName,
  subjectKeyIdentifier,
  type DistributionPointNames,
} from './extensions.js';
import { encodeName, keyIdentifierOf, spkiOf } from './names.js';
import type { CaMaterial } from './ca.js';

/**
 * Leaf key choice. RSA-2048 generation takes ~100 ms, so bulk issuance shares one RSA key made at init (`shared`, the
 * default); `rsa` makes a fresh RSA-2048 key, `ec` a fresh P-256 key (fast; not what J-LIS issues, fine for load tests).
 */
export type LeafKeyChoice = 'shared' | 'rsa' | 'ec';

export interface LeafRequest {
  serial: number;
  notBefore: Date;
  notAfter: Date;
  /** Public key (or private key; only its public half is used). */
  key: KeyObject;
  /** Signature certificates only. */
  details?: JpkiBasicDetailsData;
  /** CRL distribution points, in the order put in the certificate. */
  crlDistributionPoints: readonly DistributionPointNames[];
  ocspUrl: string;
  /** Subject locality: the municipality of the partition. */
  locality: string;
  /** Subject CN; default `SIM<serial as 8 hex digits>` */
  commonName?: string;
}

export function generateLeafKey(choice: Exclude<LeafKeyChoice, 'shared'>): KeyObject {
  return choice === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

/**
 * A JPKI-profile end-entity certificate: signature certificates carry policy 1.2.392.200149.8.5.1.1.20, keyUsage
 * digitalSignature + nonRepudiation and the 4 basic details in subjectAltName; authentication certificates carry policy
 * 1.2.392.200149.8.5.1.3.30, keyUsage digitalSignature and no personal data.
 */
export function buildLeafCertificate(ca: CaMaterial, request: LeafRequest): Uint8Array {
  const spki = spkiOf(createPublicKey(request.key));
  const sign = ca.ca.kind === 'sign';
  const extensions = [
    keyUsage(sign ? ['digitalSignature', 'nonRepudiation'] : ['digitalSignature']),
    certificatePolicies(sign ? OID.jpki_policy_sign : OID.jpki_policy_auth),
    ...(sign && request.details ? [subjectAltName(buildJpkiSubjectAltName(request.details))] : []),
    crlDistributionPoints(request.crlDistributionPoints),
    authorityInfoAccess(request.ocspUrl),
    authorityKeyIdentifier(ca.keyId),
    subjectKeyIdentifier(keyIdentifierOf(spki)),
  ];
  return buildCertificate(
    {
      serial: request.serial,
      issuer: ca.name,
      subject: encodeName([
        ['C', 'JP'],
        ['L', request.locality],
        ['CN', request.commonName ?? `SIM${request.serial.toString(16).toUpperCase().padStart(8, '0')}`],
      ]),
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      spki,
      extensions,
    },
    ca.key,
  );
}
