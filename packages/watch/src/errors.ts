/** Typed watch errors with stable codes; the CLI maps their kinds to exit codes (row and usage problems are exit 2). */
import { type ErrorKindTable, errorBaseFor } from '@jpki-validator/errors';

const WATCH_ERROR_KINDS = {
  WATCH_ROW_INVALID: 'usage',
  WATCH_CUSTOMER_UNKNOWN: 'usage',
  /** `watch rotate` without --issuer for a customer with two certificates */
  WATCH_ROTATE_AMBIGUOUS: 'usage',
  WATCH_ISSUER_UNKNOWN: 'usage',
  /** nothing to pass against: an empty watch list, or no watched CA with a CRL loaded (a "0 revoked" would be a wrong all-clear) */
  WATCH_NOTHING_LOADED: 'unavailable',
  /** another pass or import holds the watch list: trying again later can succeed */
  WATCH_LOCK_TIMEOUT: 'unavailable',
  WATCH_STATE_CORRUPT: 'unavailable',
  /** the watch list and the store disagree on chunk size: they were built by different code */
  WATCH_CHUNK_MISMATCH: 'internal',
  /** a webhook that did not take its batch (the batch stays queued) */
  WEBHOOK_FAILED: 'unavailable',
} as const satisfies ErrorKindTable;

export type WatchErrorCode = keyof typeof WATCH_ERROR_KINDS;

export class WatchError extends errorBaseFor(WATCH_ERROR_KINDS) {}

/** A watch-list row that cannot be used: names the line (1-based, header = line 1) and the field. */
export class WatchRowError extends WatchError {
  readonly line: number;
  readonly field: string;

  constructor(line: number, field: string, problem: string) {
    super('WATCH_ROW_INVALID', `line ${line}, field ${field}: ${problem}`);
    this.line = line;
    this.field = field;
  }
}

/**
 * A pass that has nothing to check against: the watch list is empty, or no CA it watches has a CRL loaded. Reporting "0 revoked"
 * then would be a wrong all-clear (the CLI exits 3, data unavailable).
 */
export class WatchDataUnavailableError extends WatchError {
  constructor(message: string) {
    super('WATCH_NOTHING_LOADED', message);
  }
}

/** A webhook POST that did not get a 2xx: retryable (the batch stays queued). */
export class WebhookError extends WatchError {
  readonly status: number | null;
  readonly url: string;

  constructor(url: string, status: number | null, detail: string, options?: { cause?: unknown }) {
    super('WEBHOOK_FAILED', `webhook ${url}: ${detail}`, options);
    this.status = status;
    this.url = url;
  }
}
