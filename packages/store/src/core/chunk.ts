/**
 * One chunk of a CA's merged revocation set: 2^chunkBits consecutive serials. Immutable once built, so a generation that did not
 * touch a chunk shares the very same object (and, in Redis, the very same keys) with the previous generation.
 *
 * Layout: a `listed` bitmap (Redis bit order) plus, ordered by rank (the number of listed serials before it), one reason byte and
 * two uint32 second counts per listed serial. A rank index (listed bits before each 64-bit block) makes rank O(1).
 */
import { FIRST_BYTES_MASK, popcount32, wordsOf } from './bits.js';

/** invalidity seconds value meaning "no invalidityDate" */
export const NO_INVALIDITY = 0;

export interface ChunkParts {
  /** exactly the chunk's byte length, 4-aligned (use alignedCopy for foreign buffers) */
  listed: Uint8Array;
  reasons: Uint8Array;
  revokedSec: Uint32Array;
  /** null when no entry of the chunk has an invalidityDate */
  invalSec: Uint32Array | null;
}

export class Chunk {
  /** who wrote it (the load id): equal ids mean identical content */
  readonly id: string;
  readonly chunkNo: number;
  readonly listed: Uint8Array;
  readonly reasons: Uint8Array;
  readonly revokedSec: Uint32Array;
  readonly invalSec: Uint32Array | null;
  readonly count: number;
  private readonly words: Uint32Array;
  private readonly rankIndex: Uint32Array;

  constructor(id: string, chunkNo: number, parts: ChunkParts) {
    this.id = id;
    this.chunkNo = chunkNo;
    this.listed = parts.listed;
    this.reasons = parts.reasons;
    this.revokedSec = parts.revokedSec;
    this.invalSec = parts.invalSec;
    this.words = wordsOf(parts.listed);
    this.rankIndex = new Uint32Array(this.words.length >>> 1);
    let running = 0;
    for (let blk = 0; blk < this.rankIndex.length; blk++) {
      this.rankIndex[blk] = running;
      running += popcount32(this.words[blk * 2] as number) + popcount32(this.words[blk * 2 + 1] as number);
    }
    this.count = running;
    if (
      parts.reasons.length !== running ||
      parts.revokedSec.length !== running ||
      (parts.invalSec !== null && parts.invalSec.length !== running)
    ) {
      throw new RangeError(
        `chunk ${chunkNo} (${id}): ${running} listed bits but ${parts.reasons.length} reasons, ${parts.revokedSec.length} dates`,
      );
    }
  }

  /** bytes held in memory (for cache budgets and reports) */
  get byteSize(): number {
    return (
      this.listed.byteLength +
      this.rankIndex.byteLength +
      this.reasons.byteLength +
      this.revokedSec.byteLength +
      (this.invalSec?.byteLength ?? 0)
    );
  }

  isListed(offset: number): boolean {
    return ((this.listed[offset >>> 3] as number) & (0x80 >>> (offset & 7))) !== 0;
  }

  /** listed serials before `offset` (valid for any offset; the entry's slot when it is listed) */
  rank(offset: number): number {
    const blk = offset >>> 6;
    const byteInBlock = (offset >>> 3) & 7;
    const w0 = this.words[blk << 1] as number;
    let r = this.rankIndex[blk] as number;
    if (byteInBlock >= 4) {
      r += popcount32(w0) + popcount32((this.words[(blk << 1) + 1] as number) & (FIRST_BYTES_MASK[byteInBlock - 4] as number));
    } else {
      r += popcount32(w0 & (FIRST_BYTES_MASK[byteInBlock] as number));
    }
    // bits of the entry's own byte that come before it (most significant first)
    return r + popcount32((this.listed[offset >>> 3] as number) & ((0xff00 >>> (offset & 7)) & 0xff));
  }
}
