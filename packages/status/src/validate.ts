/**
 * `/v1/validate`: a whole certificate judged in the contract's order — signature against the trusted CA (found by key), then the
 * validity period, then revocation. The certificate is parsed into memory only: it is never stored, and nothing personal from it
 * (the JPKI 4 basic details) reaches the result.
 */
import { formatTime, parseCertificate, X509Error, type ParsedCertificate } from '@jpki-validator/x509';
import type { Medium } from '@jpki-validator/config';
import type { CaKind } from './ca-registry.js';
import { partitionOfCertificate } from './partition-of.js';
import { StatusError } from './errors.js';
import type { StatusResolver } from './resolver.js';
import type { CheckOptions, StatusAnswer } from './types.js';

export type ValidationResult = 'valid' | 'revoked' | 'expired' | 'not_yet_valid' | 'invalid' | 'unknown';

export interface ValidationError {
  code: 'issuer_unknown' | 'signature_invalid' | 'unsupported_algorithm' | 'expired' | 'not_yet_valid' | 'revoked' | 'status_unknown';
  message: string;
}

export interface CertificateSummary {
  serial: string;
  caId: string | null;
  kind: CaKind;
  /** the issuing CA's medium (`card` | `smartphone`), null when no trusted CA vouches for the certificate */
  medium: Medium | null;
  subject: string;
  notBefore: string;
  notAfter: string;
}

export interface ValidationReport {
  result: ValidationResult;
  status: StatusAnswer;
  certificate: CertificateSummary;
  errors: ValidationError[];
}

/** Text that is not a certificate (the HTTP layer answers 400); the message never echoes the input. */
export class CertificateInputError extends StatusError {
  constructor(message: string, options?: ErrorOptions) {
    super('CERT_MALFORMED', message, options);
  }
}

export async function validateCertificate(resolver: StatusResolver, input: string, options: CheckOptions = {}): Promise<ValidationReport> {
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(input);
  } catch (error) {
    if (error instanceof X509Error) throw new CertificateInputError(`certificate: ${error.message}`, { cause: error });
    throw error;
  }
  const atMs = options.atMs ?? Date.now();
  const errors: ValidationError[] = [];
  const match = resolver.registry.issuerOf(cert);
  const ca = match.ca;
  const certificate: CertificateSummary = {
    serial: cert.serialHex,
    caId: ca?.id ?? null,
    kind: resolver.registry.kindOf(cert, ca),
    medium: ca?.medium ?? null,
    subject: cert.subject.text,
    notBefore: formatTime(cert.notBefore),
    notAfter: formatTime(cert.notAfter),
  };
  if (ca === null) {
    errors.push(
      match.problem === 'issuer_unknown'
        ? { code: 'issuer_unknown', message: `no trusted CA has the issuer name or key of this certificate (issuer ${cert.issuer.text})` }
        : match.problem === 'unsupported_algorithm'
          ? { code: 'unsupported_algorithm', message: `signature algorithm ${cert.signatureAlgorithmOid} cannot be checked` }
          : { code: 'signature_invalid', message: 'the signature does not verify with any trusted CA key of that name' },
    );
    const status = await resolver.check(cert.issuer.text, cert.serial, options);
    return { result: 'invalid', status, certificate, errors };
  }
  // Revocation is checked even for an expired certificate: operators want to know it was also revoked. The certificate names its
  // own CRL distribution point: only that partition needs to be fresh (another municipality's stale CRL says nothing about it).
  const partition = options.partition ?? partitionOfCertificate(ca, cert);
  const status = await resolver.check(ca.id, cert.serial, partition === null ? options : { ...options, partition });
  let result: ValidationResult;
  if (atMs < cert.notBefore.getTime()) {
    result = 'not_yet_valid';
    errors.push({ code: 'not_yet_valid', message: `valid only from ${certificate.notBefore}` });
  } else if (atMs > cert.notAfter.getTime()) {
    result = 'expired';
    errors.push({ code: 'expired', message: `expired at ${certificate.notAfter}` });
  } else if (status.status === 'revoked') {
    result = 'revoked';
    errors.push({ code: 'revoked', message: `revoked at ${status.revokedAt ?? '?'} (${status.reason ?? 'unspecified'})` });
  } else if (status.status === 'unknown') {
    result = 'unknown';
    errors.push({ code: 'status_unknown', message: `revocation status unknown: ${status.detail ?? 'no data'}` });
  } else result = 'valid';
  if (result !== 'revoked' && status.status === 'revoked')
    errors.push({ code: 'revoked', message: `also revoked at ${status.revokedAt ?? '?'}` });
  return { result, status, certificate, errors };
}
