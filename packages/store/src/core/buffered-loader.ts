/** The CrlLoader both stores hand out: entries go to an EntryBuffer; commit/abort are the store's. */
import { EntryError, StoreError } from '../errors.js';
import type { BeginLoadOptions, CommitReport, CrlFacts, CrlLoader, LoadOptions } from '../types.js';
import { EntryBuffer } from './entry-buffer.js';
import { checkLoadOptions } from './load-rules.js';

export interface LoaderHooks {
  commit(entries: EntryBuffer, options: LoadOptions): Promise<CommitReport>;
  abort(): Promise<void>;
}

export class BufferedLoader implements CrlLoader {
  private entries: EntryBuffer;
  private closed = false;
  private readonly begin: BeginLoadOptions;
  private readonly hooks: LoaderHooks;

  constructor(begin: BeginLoadOptions, hooks: LoaderHooks) {
    this.begin = { ...begin };
    this.entries = new EntryBuffer(initialCapacity(begin.expectedEntries));
    this.hooks = hooks;
  }

  get count(): number {
    return this.entries.count;
  }

  add(serialNumber: number, reasonCode: number, revokedAtMs: number, invalidityMs: number): void {
    this.entries.add(serialNumber, reasonCode, revokedAtMs, invalidityMs);
  }

  addLong(serial: bigint, reasonCode: number, revokedAtMs: number, invalidityMs: number): void {
    this.entries.addLong(serial, reasonCode, revokedAtMs, invalidityMs);
  }

  async commit(facts?: CrlFacts): Promise<CommitReport> {
    this.close('commit');
    try {
      const options = completeLoadOptions(this.begin, facts);
      if (!options.isDelta && this.entries.removals > 0) {
        throw new EntryError(
          this.entries.count,
          `removeFromCRL appears only in delta CRLs (${this.entries.removals} such entries in a full CRL)`,
        );
      }
      return await this.hooks.commit(this.entries, options);
    } finally {
      this.release();
    }
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.close('abort');
    this.release();
    await this.hooks.abort();
  }

  private close(what: string): void {
    if (this.closed) throw new StoreError('LOADER_CLOSED', `${what}() on a loader that was already committed or aborted`);
    this.closed = true;
  }

  /** drop the (possibly large) arrays as soon as they are no longer needed */
  private release(): void {
    this.entries = new EntryBuffer(1);
  }
}

/**
 * Room reserved before the first entry: the hint (a CRL's Content-Length / 37) only up to 2^20 entries (~9 MB). A hint comes
 * from a header anyone on the path can write: `Content-Length: 2000000000` once reserved ~0.7 GB before a byte arrived. Past
 * the cap the buffer grows by doubling as entries actually come — a real 5-million-entry CRL pays three copies, not a gigabyte
 * up front.
 */
export const MAX_RESERVED_ENTRIES = 1 << 20;

/**
 * Without a hint, room for 2^16 entries. With one, the hint itself (at least a few hundred): a national refresh loads 1,741
 * partitions of a few dozen to a few thousand entries each, and reserving 2^16 for each (590 KB, zero-filled) made the
 * garbage collector a fifth of a cold load's time.
 */
const UNHINTED_ENTRIES = 1 << 16;
const MIN_HINTED_ENTRIES = 256;

function initialCapacity(hint: number | undefined): number {
  if (hint === undefined || !Number.isFinite(hint) || hint <= 0) return UNHINTED_ENTRIES;
  return Math.min(Math.max(Math.ceil(hint), MIN_HINTED_ENTRIES), MAX_RESERVED_ENTRIES);
}

/** The facts given at commit complete (and override) those given at beginLoad; a load with unknown facts is refused. */
function completeLoadOptions(begin: BeginLoadOptions, facts: CrlFacts | undefined): LoadOptions {
  const merged = { ...begin, ...facts };
  const { crlNumber, thisUpdateMs, nextUpdateMs, isDelta } = merged;
  if (crlNumber === undefined || thisUpdateMs === undefined || nextUpdateMs === undefined || isDelta === undefined) {
    throw new StoreError(
      'ENTRY_INVALID',
      `load of ${begin.caId}/${begin.partition} committed without crlNumber, thisUpdateMs, nextUpdateMs and isDelta`,
    );
  }
  const options: LoadOptions = { ...merged, crlNumber, thisUpdateMs, nextUpdateMs, isDelta };
  checkLoadOptions(options);
  return options;
}
