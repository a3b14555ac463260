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
} as const satisfies ErrorKindTable;

export type StoreErrorCode = keyof typeof STORE_ERROR_KINDS;

export class StoreError extends errorBaseFor(STORE_ERROR_KINDS) {}

/** A CRL whose number is lower than the one already loaded for its (caId, partition). */
export class RollbackError extends StoreError {
  readonly caId: string;
  readonly partition: string;
  readonly loadedCrlNumber: bigint;
  readonly offeredCrlNumber: bigint;

  constructor(caId: string, partition: string, loaded: bigint, offered: bigint) {
    super('ROLLBACK', `CRL number ${offered} for ${caId}/${partition} is lower than the loaded ${loaded} (rollback refused)`);
    this.caId = caId;
    this.partition = partition;
    this.loadedCrlNumber = loaded;
    this.offeredCrlNumber = offered;
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
