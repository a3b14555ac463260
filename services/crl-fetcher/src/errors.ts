/** Why a fetch or load failed, and whether trying again can help (a 4xx or a bad signature cannot). */
import { type ErrorKindTable, JpkiValidatorError } from '@jpki-validator/errors';

const FETCHER_ERROR_KINDS = {
  /** the source did not give the CRL now: unreachable, slow, an HTTP error, or not there yet */
  FETCH_HTTP_STATUS: 'unavailable',
  FETCH_TIMEOUT: 'unavailable',
  FETCH_NETWORK: 'unavailable',
  FETCH_NOT_FOUND: 'unavailable',
  /** a CA refresh in which some partitions could not be brought up to date (each partition's own error is in its report) */
  PARTITIONS_FAILED: 'unavailable',
  /** what the source gave is not a CRL we take */
  FETCH_TOO_LARGE: 'usage',
  CRL_REJECTED: 'usage',
} as const satisfies ErrorKindTable;

export type FetcherErrorCode = keyof typeof FETCHER_ERROR_KINDS;

export class FetcherError extends JpkiValidatorError<FetcherErrorCode> {
  readonly retryable: boolean;
  constructor(code: FetcherErrorCode, message: string, retryable: boolean, options?: ErrorOptions) {
    super(code, FETCHER_ERROR_KINDS[code], message, options);
    this.retryable = retryable;
  }
}

/**
 * The CRL was fetched but must not be loaded: `reason` is the metric label and the log field
 * (signature, issuer, rollback, future_this_update, malformed, indirect, unusable, delta_base, scope_mismatch — another partition's
 * or a partition CRL in a full-CRL slot —, scope_incomplete — onlySomeReasons, onlyContainsCACerts, onlyContainsAttributeCerts —, …).
 */
export class CrlRejectedError extends FetcherError {
  readonly reason: string;
  constructor(reason: string, message: string, options?: ErrorOptions) {
    super('CRL_REJECTED', message, false, options);
    this.reason = reason;
  }
}
