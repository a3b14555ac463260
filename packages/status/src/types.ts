/**
 * The contract's status answer (docs/api.md, "The status answer") and the vocabulary around it. One object shape everywhere: the
 * single GET, the batch, `/v1/validate` and the CLI's `--api` source all serialise exactly this.
 */
import type { Medium } from '@jpki-validator/config';
import type { CrlReason } from '@jpki-validator/x509';

export type StatusMode = 'crl-first' | 'ocsp-first' | 'crl-only' | 'ocsp-only';
export const STATUS_MODES: readonly StatusMode[] = ['crl-first', 'ocsp-first', 'crl-only', 'ocsp-only'];

export type CertStatus = 'good' | 'revoked' | 'unknown';

/** Why an answer is `unknown` (docs/api.md, "The status answer": `unknown` always carries one). */
export type UnknownDetail =
  | 'issuer_unknown'
  | 'issuer_not_loaded'
  | 'crl_stale'
  | 'ocsp_unavailable'
  | 'ocsp_unknown'
  | 'store_unavailable'
  | 'malformed_serial';

/** Age of the CRL data an answer stands on: numbers are decimal strings, times RFC 3339 without fraction. */
export interface CrlSourceInfo {
  number: string;
  thisUpdate: string;
  nextUpdate: string | null;
  stale: boolean;
  /** the partition the answer stood on, when the question named one (or the certificate's distribution point did) */
  partition?: string;
  /** a stale answer about a CA of several partitions: how many of them are stale or not loaded */
  stalePartitions?: number;
}

export interface OcspSourceInfo {
  producedAt: string;
  thisUpdate: string;
  nextUpdate: string | null;
}

export interface StatusAnswer {
  /** echoes the request: an id or a group */
  issuer: string;
  /** the CA that answered; null for a group's `good` and when no CA could answer */
  caId: string | null;
  /** the asked issuer's medium (`card` | `smartphone`; one per group); null when the issuer is not configured */
  medium: Medium | null;
  serial: string;
  status: CertStatus;
  reason: CrlReason | null;
  meaning: string | null;
  /** the meaning in words, only when asked for (`Accept-Language`, the profile's labelLanguage, `check --lang`) */
  meaningLabel?: string | null;
  revokedAt: string | null;
  invalidityDate: string | null;
  /** null only when no source could be consulted at all (unknown issuer, malformed serial, store down, nothing loaded) */
  source: 'crl' | 'ocsp' | null;
  crl: CrlSourceInfo | null;
  ocsp?: OcspSourceInfo;
  detail?: UnknownDetail;
  /** several CAs of a group list the serial: a data anomaly */
  anomaly?: true;
  checkedAt: string;
}

export interface CheckOptions {
  /** answer as of this moment (ms since the epoch): a revocation after it is not counted */
  atMs?: number;
  /** overrides every CA's configured policy */
  mode?: StatusMode;
  /**
   * the configured partition the serial belongs to (from its certificate's CRL distribution point): only that partition needs to
   * be fresh for a `good`. A CA without a partition of that name answers by the whole-CA rule.
   */
  partition?: string;
}
