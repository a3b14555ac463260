/**
 * Output buffers for large JSON batch answers (~3.5 MB per 10 000 items), reused from one response to the next.
 *
 * Every fresh buffer is external memory to V8, and at a few hundred 10 000-item requests a second (~4 MB each) V8 ran a full
 * mark-compact every few requests: 15–18 % of the endpoint's CPU went to GC (measured with a PerformanceObserver on 'gc').
 * A buffer goes back to the pool only when its response emits 'finish' — the socket has taken every byte, nothing references
 * it any more. One whose response never finishes (a dropped connection) is simply left to the garbage collector.
 */
import type { EventEmitter } from 'node:events';

/** below this, a plain allocation is cheap and a pooled megabyte buffer would be wasted on it */
const POOLED_FROM_BYTES = 64 * 1024;

export class ResponseBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    /** buffers kept for reuse (about the number of large batches in flight at once) */
    private readonly maxBuffers = 8,
    /** larger buffers are never kept */
    private readonly maxBytes = 16 * 2 ** 20,
  ) {}

  /** a buffer of at least `bytes`: a free one from the pool, else a new one */
  acquire(bytes: number): Buffer {
    if (bytes >= POOLED_FROM_BYTES) {
      for (let i = this.free.length - 1; i >= 0; i--) {
        const buffer = this.free[i] as Buffer;
        if (buffer.length >= bytes) {
          this.free.splice(i, 1);
          return buffer;
        }
      }
    }
    return Buffer.allocUnsafeSlow(bytes);
  }

  /** takes `buffer` back now: nothing references it (a writer grew past it, or it was never sent) */
  release(buffer: Buffer): void {
    if (buffer.length >= POOLED_FROM_BYTES && buffer.length <= this.maxBytes && this.free.length < this.maxBuffers && !this.free.includes(buffer)) {
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
