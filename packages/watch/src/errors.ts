/** Typed watch errors with stable codes; the CLI maps them to exit codes (row and usage problems are exit 2). */
export type WatchErrorCode =
  | 'WATCH_ROW_INVALID'
  | 'WATCH_CUSTOMER_UNKNOWN'
  | 'WATCH_ROTATE_AMBIGUOUS'
  | 'WATCH_ISSUER_UNKNOWN'
  | 'WATCH_NOTHING_LOADED'
  | 'WATCH_LOCK_TIMEOUT'
  | 'WATCH_STATE_CORRUPT'
  | 'WATCH_CHUNK_MISMATCH'
  | 'WEBHOOK_FAILED';

export class WatchError extends Error {
  readonly code: WatchErrorCode;

  constructor(code: WatchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

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
