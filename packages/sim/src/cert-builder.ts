import { createSign, type KeyObject } from 'node:crypto';
import { OID, bitString, explicit, integer, nullValue, oid, sequence, time } from '@jpki-validator/x509';
import { explicitExtensions } from './extensions.js';

/** AlgorithmIdentifier for sha256WithRSAEncryption (parameters NULL, RFC 4055 §5), the only algorithm J-LIS signs with. */
export const SHA256_WITH_RSA = sequence(oid(OID.sha256WithRSAEncryption), nullValue());

export interface CertificateFields {
  serial: bigint | number;
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** Encoded Extension elements. */
  extensions: readonly Uint8Array[];
}

/** RSA PKCS#1 v1.5 over SHA-256; deterministic, so re-signing the same bytes gives the same signature. */
export function signSha256Rsa(key: KeyObject, data: Uint8Array): Uint8Array {
  return new Uint8Array(createSign('sha256').update(data).sign(key));
}

/**
 * ```asn1
 * Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
 * TBSCertificate ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, serialNumber CertificateSerialNumber,
 *   signature AlgorithmIdentifier, issuer Name, validity Validity, subject Name, subjectPublicKeyInfo SubjectPublicKeyInfo,
 *   …, extensions [3] EXPLICIT Extensions OPTIONAL }
 * ```
 */
export function buildCertificate(fields: CertificateFields, signingKey: KeyObject): Uint8Array {
  const tbsCertificate = sequence(
    explicit(0, integer(2)),
    integer(fields.serial),
    SHA256_WITH_RSA,
    fields.issuer,
    sequence(time(fields.notBefore), time(fields.notAfter)),
    fields.subject,
    fields.spki,
    explicitExtensions(3, fields.extensions),
  );
  return sequence(tbsCertificate, SHA256_WITH_RSA, bitString(signSha256Rsa(signingKey, tbsCertificate)));
}

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
