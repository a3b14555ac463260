import type { ParsedCertificate } from '../cert/types.js';
import type { CrlReason } from '../reasons.js';

/** The contract's `cert verify` verdict. Ordered by precedence when several apply: see `summarise` in validate-path.ts. */
export type PathResult = 'valid' | 'revoked' | 'expired' | 'not_yet_valid' | 'invalid' | 'unknown';

export type PathErrorCode =
  // the chain itself
  | 'ISSUER_NOT_FOUND'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_UNSUPPORTED'
  | 'PATH_TOO_LONG'
  | 'CERT_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'NOT_A_CA'
  | 'PATH_LENGTH_EXCEEDED'
  | 'KEY_USAGE_NO_CERT_SIGN'
  | 'UNHANDLED_CRITICAL_EXTENSION'
  // revocation
  | 'CERT_REVOKED'
  | 'CRL_NOT_FOUND'
  | 'CRL_SIGNATURE_INVALID'
  | 'CRL_SIGNER_NOT_FOUND'
  | 'CRL_SIGNER_REVOKED'
  | 'CRL_SIGNER_UNKNOWN'
  | 'CRL_NOT_YET_VALID'
  | 'CRL_EXPIRED'
  | 'CRL_NO_NEXT_UPDATE'
  | 'CRL_UNUSABLE'
  | 'CRL_OUT_OF_SCOPE'
  | 'INDIRECT_CRL'
  | 'DELTA_CRL_WITHOUT_BASE'
  | 'REASONS_NOT_COVERED';

/** One finding. `depth` counts like OpenSSL's: 0 is the target, 1 its issuer, …, the trust anchor last. */
export interface PathError {
  code: PathErrorCode;
  message: string;
  depth: number;
}

/** A certificate as the validator accepts it: DER, PEM text, or already parsed. */
export type CertificateInput = Uint8Array | string | ParsedCertificate;

/** A CRL's bytes (DER), with an optional label (a file name) used in messages. */
export type CrlInput = Uint8Array | { bytes: Uint8Array; label: string };

export interface ValidatePathOptions {
  /** candidate intermediate certificates, in any order; unrelated ones are ignored */
  intermediates?: readonly CertificateInput[];
  /**
   * trusted roots. Told apart by KEY, not name: JPKI CA generations share one subject DN, so a root only anchors a chain whose
   * last certificate its key verifies.
   */
  trustAnchors: readonly CertificateInput[];
  /** every CRL at hand; the validator picks the ones in scope for each certificate (`openssl verify -crl_check_all`) */
  crls?: readonly CrlInput[];
  /** the validation time (default: now) */
  time?: Date;
  /** longest chain tried, trust anchor included (default 10) */
  maxDepth?: number;
}

/** Why a certificate in the path is revoked, as the CRL that listed it says. */
export interface RevocationFinding {
  depth: number;
  serial: string;
  reason: CrlReason;
  revokedAt: string;
  /** the CRL (label or `CRL #n`) and its cRLNumber as a decimal string (null when absent) */
  crl: string;
  crlNumber: string | null;
}

export interface PathValidation {
  result: PathResult;
  errors: PathError[];
  /** the chain that was validated, target first and trust anchor last; empty when none could be built */
  chain: ParsedCertificate[];
  /** set when `result` is `revoked`: the first (deepest-from-target) revoked certificate */
  revocation: RevocationFinding | null;
}
