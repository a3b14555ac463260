/**
 * Large buffers for the JSON batch, reused from one request to the next: its answers (~3.5 MB per 10 000 items), and also its
 * body and its per-row columns (routes/batch.ts, request-body.ts, scratch-arrays.ts).
 *
 * Every fresh buffer is external memory to V8, and at a few hundred 10 000-item requests a second (~4 MB each) V8 ran a full
 * mark-compact every few requests: 15–18 % of the endpoint's CPU went to GC (measured with a PerformanceObserver on 'gc').
 * A body or column buffer comes back (`release`) once the answers are written; an answer buffer only when its response emits
 * 'finish' (`releaseAfter`) — the socket has taken every byte, nothing references it any more. One whose request fails or whose
 * response never finishes (a dropped connection) is simply left to the garbage collector.
 */
import type { EventEmitter } from 'node:events';

/** below this, a plain allocation is cheap and a pooled megabyte buffer would be wasted on it */
const POOLED_FROM_BYTES = 64 * 1024;

export class ResponseBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    /** buffers kept for reuse (three per large batch in flight: its body, its columns, its answers) */
    private readonly maxBuffers = 12,
    /** larger buffers are never kept */
    private readonly maxBytes = 16 * 2 ** 20,
  ) {}

  /** a buffer of at least `bytes`: a free one from the pool, else a new one */
  acquire(bytes: number): Buffer {
    if (bytes >= POOLED_FROM_BYTES) {
      // the smallest that fits: a request's body and columns should not take the buffer its answers need
      let best = -1;
      for (let i = 0; i < this.free.length; i++) {
        const length = (this.free[i] as Buffer).length;
        if (length >= bytes && (best < 0 || length < (this.free[best] as Buffer).length)) best = i;
      }
      if (best >= 0) return this.free.splice(best, 1)[0] as Buffer;
    }
    return Buffer.allocUnsafeSlow(bytes);
  }

  /** takes `buffer` back now: nothing references it (a writer grew past it, or it was never sent) */
  release(buffer: Buffer): void {
    if (
      buffer.length >= POOLED_FROM_BYTES &&
      buffer.length <= this.maxBytes &&
      this.free.length < this.maxBuffers &&
      !this.free.includes(buffer)
    ) {
      this.free.push(buffer);
    }
  }

  /** takes `buffer` back once `response` (Node's ServerResponse, when there is one) has finished writing it; else never */
  releaseAfter(buffer: Buffer, response: unknown): void {
    if (!isEmitter(response)) return;
    response.once('finish', () => this.release(buffer));
  }

  /** for tests and metrics */
  get size(): number {
    return this.free.length;
  }
}

function isEmitter(value: unknown): value is EventEmitter {
  return typeof value === 'object' && value !== null && typeof (value as { once?: unknown }).once === 'function';
}
