/** Typed store errors with stable codes (the fetcher maps ROLLBACK / DELTA_BASE to non-retryable job failures). */
import { type ErrorKindTable, errorBaseFor } from '@jpki-validator/errors';

const STORE_ERROR_KINDS = {
  /** a CRL refused for what it is: an older number, a delta without its base, an entry the store cannot hold */
  ROLLBACK: 'usage',
  DELTA_BASE: 'usage',
  ENTRY_INVALID: 'usage',
  /** a REDIS_URL that does not say where Redis is */
  REDIS_URL_INVALID: 'usage',
  /** a loader used after commit or abort: our bug */
  LOADER_CLOSED: 'internal',
  /** another writer got there first, or holds the data directory: trying again later can succeed */
  CONFLICT: 'unavailable',
  LOCK_TIMEOUT: 'unavailable',
  /** the stored data cannot be read back */
  SNAPSHOT_CORRUPT: 'unavailable',
  STORE_UNAVAILABLE: 'unavailable',
  /** a CRL offered under a number already accepted with other content (high-water record) */
  CRL_NUMBER_REUSED: 'usage',
  /** the local CRL-number record cannot be read back: repair or remove it deliberately */
  HIGH_WATER_CORRUPT: 'unavailable',
  /** a lookup asked of a store opened to write only (it keeps partition metadata, not entries): a bug in the caller */
  METADATA_ONLY: 'internal',
} as const satisfies ErrorKindTable;

export type StoreErrorCode = keyof typeof STORE_ERROR_KINDS;

export class StoreError extends errorBaseFor(STORE_ERROR_KINDS) {}

/**
 * A CRL whose number is lower than the one already loaded for its (caId, partition) — in the store, or in the local high-water
 * record that outlives a store's data loss (`against: 'high-water'`).
 */
export class RollbackError extends StoreError {
  readonly caId: string;
  readonly partition: string;
  readonly loadedCrlNumber: bigint;
  readonly offeredCrlNumber: bigint;
  readonly against: 'store' | 'high-water';

  constructor(caId: string, partition: string, loaded: bigint, offered: bigint, against: 'store' | 'high-water' = 'store') {
    super(
      'ROLLBACK',
      against === 'store'
        ? `CRL number ${offered} for ${caId}/${partition} is lower than the loaded ${loaded} (rollback refused)`
        : `CRL number ${offered} for ${caId}/${partition} is lower than ${loaded}, already accepted here (local high-water record; rollback refused)`,
    );
    this.caId = caId;
    this.partition = partition;
    this.loadedCrlNumber = loaded;
    this.offeredCrlNumber = offered;
    this.against = against;
  }
}

/** A CRL with the number of one already accepted for its scope but other content (a CA fault, or a forgery replayed after data loss). */
export class CrlNumberReusedError extends StoreError {
  readonly caId: string;
  readonly partition: string;
  readonly crlNumber: bigint;

  constructor(caId: string, partition: string, crlNumber: bigint) {
    super(
      'CRL_NUMBER_REUSED',
      `CRL number ${crlNumber} for ${caId}/${partition} was already accepted with other content (local high-water record; refused)`,
    );
    this.caId = caId;
    this.partition = partition;
    this.crlNumber = crlNumber;
  }
}

/** A delta CRL whose BaseCRLNumber is above the loaded full CRL (or with no full CRL loaded at all). */
export class DeltaBaseError extends StoreError {
  readonly baseCrlNumber: bigint;
  readonly loadedFullCrlNumber: bigint | null;

  constructor(caId: string, partition: string, base: bigint, loadedFull: bigint | null) {
    super(
      'DELTA_BASE',
      `delta CRL for ${caId}/${partition} needs base ${base} but ${loadedFull === null ? 'no full CRL is loaded' : `the loaded full CRL is ${loadedFull}`}`,
    );
    this.baseCrlNumber = base;
    this.loadedFullCrlNumber = loadedFull;
  }
}

/** An entry the store cannot represent; `index` is its 0-based position in the load. */
export class EntryError extends StoreError {
  readonly index: number;
  constructor(index: number, why: string) {
    super('ENTRY_INVALID', `entry ${index}: ${why}`);
    this.index = index;
  }
}

/**
 * The store could not be reached (Redis down, hung past the command timeout, failing over): nothing was changed, and trying
 * again later may succeed. The data already loaded keeps serving meanwhile.
 */
export class StoreUnavailableError extends StoreError {
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_UNAVAILABLE', message, options);
  }
}

/**
 * A failure of a Redis call as the store's callers need it: our own errors and programming errors unchanged, anything from the
 * connection (refused, closed, timed out, retries exhausted, an error reply) a StoreUnavailableError naming what was being done.
 */
export function storeFailure(error: unknown, what: string): unknown {
  if (error instanceof StoreError) return error;
  if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError) {
    return error;
  }
  const why = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`Redis unavailable while ${what}: ${why}`, { cause: error });
}
