/**
 * The unconsumed tail between chunks: one growable buffer, reused for the whole scan. It only ever holds one incomplete element
 * (bounded by maxElementBytes), so it stays small however large the CRL is.
 */
export class TailBuffer {
  bytes = new Uint8Array(4096);
  length = 0;

  append(src: Uint8Array, start: number, count: number): void {
    if (this.length + count > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < this.length + count) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(src.subarray(start, start + count), this.length);
    this.length += count;
  }

  /** Forgets the first `count` bytes (they were consumed). */
  drop(count: number): void {
    if (count === 0) return;
    this.bytes.copyWithin(0, count, this.length);
    this.length -= count;
  }
}
