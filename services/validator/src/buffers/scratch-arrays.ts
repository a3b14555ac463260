/**
 * Typed arrays carved from one buffer the caller owns for the length of a request (a pooled one: response-buffers.ts), for the
 * JSON batch's per-row columns (~50 bytes a row: 0.5 MB for 10 000 items). Allocated fresh, each column is external memory to
 * V8 and adds to what starts its full collections. The views are NOT zeroed: every column they serve is written for every row
 * before it is read. When the buffer runs out (or there is none), an array is allocated as usual.
 */
export class ScratchArrays {
  private offset = 0;

  constructor(private readonly buffer: Buffer | null) {}

  int32(length: number): Int32Array {
    const start = this.take(length * 4);
    return start < 0
      ? new Int32Array(length)
      : new Int32Array((this.buffer as Buffer).buffer, (this.buffer as Buffer).byteOffset + start, length);
  }

  float64(length: number): Float64Array {
    const start = this.take(length * 8);
    return start < 0
      ? new Float64Array(length)
      : new Float64Array((this.buffer as Buffer).buffer, (this.buffer as Buffer).byteOffset + start, length);
  }

  /** the offset of `bytes` more (8-byte aligned from the buffer's start, which must itself be 8-byte aligned), or -1 */
  private take(bytes: number): number {
    const b = this.buffer;
    if (b === null || b.byteOffset % 8 !== 0) return -1;
    const start = (this.offset + 7) & ~7;
    if (start + bytes > b.length) return -1;
    this.offset = start + bytes;
    return start;
  }
}

/** no scratch: every array fresh (the NDJSON stream, in-process requests) */
export const FRESH_ARRAYS = new ScratchArrays(null);

/** bytes of scratch a batch of `rows` rows uses: the scanner's 5 int32 columns, the serial values, handles and answers */
export const scratchBytesFor = (rows: number): number => rows * (5 * 4 + 8 + 4 + 4 + 8 + 8) + 64;
