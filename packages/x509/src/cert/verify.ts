import type { KeyObject } from 'node:crypto';
import { UnsupportedAlgorithmError } from '../errors.js';
import { verifySignature } from '../crypto/signature.js';
import type { ParsedCertificate } from './types.js';

/**
 * Whether `issuerKey` signed this certificate: the outer signatureAlgorithm over the exact tbsCertificate bytes, through the
 * engine's one verification path (crypto/signature.ts). A key of the wrong type simply does not verify (false).
 * Throws UnsupportedAlgorithmError when the certificate's algorithm is one node:crypto cannot check: "cannot tell" is not "no".
 * The outer and inner algorithms agree: parseCertificate refuses a certificate where they do not (RFC 5280 §4.1.1.2).
 */
export function verifyCertificateSignature(cert: ParsedCertificate, issuerKey: KeyObject): boolean {
  if (!cert.signatureAlgorithm) throw new UnsupportedAlgorithmError(cert.signatureAlgorithmOid);
  if (cert.signatureUnusedBits !== 0) return false;
  return verifySignature(cert.signatureAlgorithm, issuerKey, cert.tbs, cert.signatureValue);
}
