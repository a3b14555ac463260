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
  /**
   * null when no entry of the chunk has an invalidityDate. Dense (one value per rank) without `invalRanks`; with it, sparse:
   * the values of the ranks listed in `invalRanks` (ascending) — most CRL entries carry none, so 8 bytes per entry that has
   * one beat 4 bytes for every entry.
   */
  invalSec: Uint32Array | null;
  invalRanks?: Uint32Array | null;
}

/** sparse invalidity dates when fewer than this fraction of a chunk's entries carry one */
const SPARSE_INVAL_BELOW = 0.5;

/** the invalidity column of `byRank` (NO_INVALIDITY where none) in its smaller form */
export function invalidityColumn(byRank: Uint32Array): { invalSec: Uint32Array | null; invalRanks: Uint32Array | null } {
  let n = 0;
  for (let r = 0; r < byRank.length; r++) if (byRank[r] !== NO_INVALIDITY) n++;
  if (n === 0) return { invalSec: null, invalRanks: null };
  if (n >= byRank.length * SPARSE_INVAL_BELOW) return { invalSec: byRank, invalRanks: null };
  const invalRanks = new Uint32Array(n);
  const invalSec = new Uint32Array(n);
  for (let r = 0, k = 0; r < byRank.length; r++) {
    const v = byRank[r] as number;
    if (v === NO_INVALIDITY) continue;
    invalRanks[k] = r;
    invalSec[k++] = v;
  }
  return { invalSec, invalRanks };
}

export class Chunk {
  /** who wrote it (the load id): equal ids mean identical content */
  readonly id: string;
  readonly chunkNo: number;
  readonly listed: Uint8Array;
  readonly reasons: Uint8Array;
  readonly revokedSec: Uint32Array;
  readonly invalSec: Uint32Array | null;
  /** sparse invalidity: the ranks `invalSec` holds values for (null: dense, or none) */
  readonly invalRanks: Uint32Array | null;
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
    this.invalRanks = parts.invalRanks ?? null;
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
      (parts.invalSec !== null && this.invalRanks === null && parts.invalSec.length !== running) ||
      (this.invalRanks !== null && (parts.invalSec === null || parts.invalSec.length !== this.invalRanks.length))
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
      (this.invalSec?.byteLength ?? 0) +
      (this.invalRanks?.byteLength ?? 0)
    );
  }

  /** bytes that depend on the serial range the chunk covers (bitmap and rank index), not on how many entries it holds */
  get rangeBytes(): number {
    return this.listed.byteLength + this.rankIndex.byteLength;
  }

  /** the invalidity date (seconds) of the entry at `rank`, NO_INVALIDITY when it has none */
  invalAt(rank: number): number {
    const values = this.invalSec;
    if (values === null) return NO_INVALIDITY;
    const ranks = this.invalRanks;
    if (ranks === null) return values[rank] as number;
    let lo = 0;
    let hi = ranks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const r = ranks[mid] as number;
      if (r === rank) return values[mid] as number;
      if (r < rank) lo = mid + 1;
      else hi = mid - 1;
    }
    return NO_INVALIDITY;
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
