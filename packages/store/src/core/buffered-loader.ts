/** The CrlLoader both stores hand out: entries go to an EntryBuffer; commit/abort are the store's. */
import { StoreError } from '../errors.js';
import type { CommitReport, CrlLoader } from '../types.js';
import { EntryBuffer } from './entry-buffer.js';

export interface LoaderHooks {
  commit(entries: EntryBuffer): Promise<CommitReport>;
  abort(): Promise<void>;
}

export class BufferedLoader implements CrlLoader {
  private entries: EntryBuffer;
  private closed = false;
  private readonly hooks: LoaderHooks;

  constructor(isDelta: boolean, hooks: LoaderHooks) {
    this.entries = new EntryBuffer(isDelta);
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

  async commit(): Promise<CommitReport> {
    this.close('commit');
    try {
      return await this.hooks.commit(this.entries);
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
    this.entries = new EntryBuffer(false, 1);
  }
}
