/** Why a fetch or load failed, and whether trying again can help (a 4xx or a bad signature cannot). */
export type FetcherErrorCode =
  | 'FETCH_HTTP_STATUS'
  | 'FETCH_TIMEOUT'
  | 'FETCH_NETWORK'
  | 'FETCH_TOO_LARGE'
  | 'FETCH_NOT_FOUND'
  | 'CRL_REJECTED';

export class FetcherError extends Error {
  readonly code: FetcherErrorCode;
  readonly retryable: boolean;
  constructor(code: FetcherErrorCode, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/**
 * The CRL was fetched but must not be loaded: `reason` is the metric label and the log field
 * (signature, issuer, rollback, future_this_update, malformed, indirect, unusable, delta_base, …).
 */
export class CrlRejectedError extends FetcherError {
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super('CRL_REJECTED', message, false, options);
    this.reason = reason;
  }
}
