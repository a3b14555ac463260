/**
 * A set of serials held the way the revocation store holds its own: one bitmap per chunk of 2^chunkBits serials, in Redis bit
 * order (bit 0 = most significant bit of byte 0), so a watch-list chunk and a store chunk line up word for word and a pass is
 * set algebra over them. Serials outside 0 … 2^32-1 (PKITS, foreign CAs) sit in a small `long` set beside the bitmaps.
 */
import { inBitmapRange } from '@jpki-validator/store';

export class ChunkedBitmap {
  readonly chunkBits: number;
  readonly chunks = new Map<number, Uint8Array>();
  readonly long = new Set<bigint>();
  private readonly offsetMask: number;

  constructor(chunkBits: number) {
    this.chunkBits = chunkBits;
    this.offsetMask = 2 ** chunkBits - 1;
  }

  get chunkBytes(): number {
    return 2 ** this.chunkBits / 8;
  }

  /** a zero-padded, 4-aligned copy of a stored chunk (Redis trims trailing zero bytes) */
  putChunk(chunkNo: number, bytes: Uint8Array): void {
    const out = new Uint8Array(this.chunkBytes);
    out.set(bytes.byteLength > out.byteLength ? bytes.subarray(0, out.byteLength) : bytes);
    this.chunks.set(chunkNo, out);
  }

  add(serial: bigint): void {
    if (!inBitmapRange(serial)) {
      this.long.add(serial);
      return;
    }
    this.addNumber(Number(serial));
  }

  addNumber(serial: number): void {
    const chunkNo = serial >>> this.chunkBits;
    let chunk = this.chunks.get(chunkNo);
    if (chunk === undefined) {
      chunk = new Uint8Array(this.chunkBytes);
      this.chunks.set(chunkNo, chunk);
    }
    const p = serial & this.offsetMask;
    chunk[p >>> 3] = (chunk[p >>> 3] as number) | (0x80 >>> (p & 7));
  }

  delete(serial: bigint): void {
    if (!inBitmapRange(serial)) {
      this.long.delete(serial);
      return;
    }
    const n = Number(serial);
    const chunk = this.chunks.get(n >>> this.chunkBits);
    if (chunk === undefined) return;
    const p = n & this.offsetMask;
    chunk[p >>> 3] = (chunk[p >>> 3] as number) & ~(0x80 >>> (p & 7));
  }

  has(serial: bigint): boolean {
    if (!inBitmapRange(serial)) return this.long.has(serial);
    const n = Number(serial);
    return this.hasBit(this.chunks.get(n >>> this.chunkBits), n & this.offsetMask);
  }

  /** bit `offset` of a chunk (absent chunk: empty) */
  hasBit(chunk: Uint8Array | undefined, offset: number): boolean {
    return chunk !== undefined && ((chunk[offset >>> 3] as number) & (0x80 >>> (offset & 7))) !== 0;
  }

  /** every serial, ascending within the bitmap range, then the long ones */
  *serials(): Generator<bigint> {
    for (const chunkNo of [...this.chunks.keys()].sort((a, b) => a - b)) {
      const chunk = this.chunks.get(chunkNo) as Uint8Array;
      const base = chunkNo * 2 ** this.chunkBits;
      for (let b = 0; b < chunk.length; b++) {
        const byte = chunk[b] as number;
        if (byte === 0) continue;
        for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >>> bit)) yield BigInt(base + b * 8 + bit);
      }
    }
    yield* this.long;
  }
}
