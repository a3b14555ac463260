import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { formatSerialDer, formatTime, reasonName, type CrlEntryView } from '@jpki-validator/x509';

/**
 * Turns CRL entries into JSON lines `{serial, revokedAt, reason, invalidityDate}` and writes them in batches with backpressure.
 * The scanner calls `add` synchronously for every entry of a chunk; `flush` (awaited between chunks, before the next read) writes
 * the batch and waits for `drain`, so a slow reader of stdout slows the file read instead of growing memory.
 * Lines are built by hand: every value is hex, an RFC 3339 time or a reason name, none needs escaping, and JSON.stringify per
 * entry would dominate a 5-million-entry CRL. Times come from formatTime, which caches each day's date.
 */
export class EntryLineWriter {
  /** the batch of lines not yet written (a string grown by +=, which V8 keeps as a cheap rope until written) */
  private pending = '';

  /** a write error (EPIPE when the reader went away), kept so the next flush stops the scan */
  private failure: Error | null = null;

  constructor(private readonly out: Writable) {
    // Listening for good: an 'error' with no listener would crash the process between two flushes.
    out.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  readonly add = (e: CrlEntryView): void => {
    const serial = e.serialNumber >= 0 ? e.serialNumber.toString(16).toUpperCase() : formatSerialDer(e.buf, e.serialStart, e.serialEnd);
    // A listed entry without reasonCode means unspecified (docs/api.md, "Reasons").
    const reason = e.reason < 0 ? 'unspecified' : (reasonName(e.reason) ?? 'unknown');
    const invalidity = Number.isNaN(e.invalidityDate) ? 'null' : `"${formatTime(e.invalidityDate)}"`;
    this.pending += `{"serial":"${serial}","revokedAt":"${formatTime(e.revocationDate)}","reason":"${reason}","invalidityDate":${invalidity}}\n`;
  };

  async flush(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = '';
    // once() rejects when the stream emits 'error' (a closed pipe) instead of waiting for a drain that never comes.
    if (!this.out.write(text)) await once(this.out, 'drain');
  }
}

/** Wraps a chunk source so that pending lines are written (and drained) before each next chunk is read. */
export async function* flushingBetweenChunks(source: AsyncIterable<Uint8Array>, writer: EntryLineWriter): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    yield chunk;
    await writer.flush();
  }
}

/** The reader of stdout went away (`… --entries | head`): stop quietly, like any Unix filter. */
export function isBrokenPipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'EPIPE';
}
