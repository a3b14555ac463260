/**
 * One chunk of a CA's merged revocation set as it changes: an immutable, compact base (Chunk: listed bitmap + rank-ordered
 * reasons and dates) plus a patch of what changed since (ChunkPatch), and the listed bitmap as it is now. Changed in place by
 * RevocationSet.apply — synchronously, so a reader on the same thread sees a switch whole or not at all.
 *
 * `listed` is the base's own bitmap until the first change, then a copy of it kept current; compaction makes a new base of
 * that copy and the patch. A listed offset is in the patch or, if not there, in the base.
 */
import { SET_BIT_POSITIONS } from './bits.js';
import { Chunk, invalidityColumn, NO_INVALIDITY } from './chunk.js';
import { ChunkPatch, REMOVED } from './chunk-patch.js';
import type { EntrySlot } from './entry-slot.js';

/**
 * A patch is folded into a new base once it holds more than this share of what a compaction costs — the chunk's entries plus
 * its bitmap (walked byte by byte; 8 bytes count as one entry) — so compaction stays a constant cost per change, sparse chunk or
 * dense, and patches stay a small share of memory.
 */
const PATCH_SHARE = 1 / 8;
/** ... or once its arrays take more than this share of the base's entry arrays */
const PATCH_MEMORY_SHARE = 1 / 2;
const MIN_PATCH = 256;

/** what rebuilding or compacting the chunk costs, in entries: its entries plus its bitmap's bytes / 8 */
export function chunkWork(count: number, chunkBytes: number): number {
  return count + chunkBytes / 8;
}

export class SetChunk {
  readonly chunkNo: number;
  base: Chunk | null;
  listed: Uint8Array;
  patch: ChunkPatch | null = null;
  /** listed entries now */
  count: number;

  constructor(chunkNo: number, base: Chunk | null, chunkBytes: number) {
    this.chunkNo = chunkNo;
    this.base = base;
    this.listed = base?.listed ?? new Uint8Array(chunkBytes);
    this.count = base?.count ?? 0;
  }

  isListed(offset: number): boolean {
    return ((this.listed[offset >>> 3] as number) & (0x80 >>> (offset & 7))) !== 0;
  }

  /** hot path: fills `out` when the entry at `offset` is listed; no allocation */
  lookupInto(offset: number, out: EntrySlot): boolean {
    if (((this.listed[offset >>> 3] as number) & (0x80 >>> (offset & 7))) === 0) return false;
    const patch = this.patch;
    if (patch !== null) {
      const i = patch.find(offset);
      if (i >= 0) {
        out.reasonCode = patch.reasons[i] as number;
        out.revokedAtMs = (patch.revokedSec[i] as number) * 1000;
        const inval = patch.invalAt(i);
        out.invalidityMs = inval === NO_INVALIDITY ? Number.NaN : inval * 1000;
        return true;
      }
    }
    const base = this.base as Chunk;
    const r = base.rank(offset);
    out.reasonCode = base.reasons[r] as number;
    out.revokedAtMs = (base.revokedSec[r] as number) * 1000;
    const inval = base.invalAt(r);
    out.invalidityMs = inval === NO_INVALIDITY ? Number.NaN : inval * 1000;
    return true;
  }

  /** lists (or re-dates) the entry at `offset` */
  set(offset: number, reason: number, revokedSec: number, invalSec: number): void {
    const byte = offset >>> 3;
    const bit = 0x80 >>> (offset & 7);
    if (((this.listed[byte] as number) & bit) === 0) {
      this.ownListed();
      this.listed[byte] = (this.listed[byte] as number) | bit;
      this.count++;
    }
    (this.patch ??= new ChunkPatch()).put(offset, reason, revokedSec, invalSec);
  }

  /** un-lists the entry at `offset` (removeFromCRL) */
  remove(offset: number): void {
    const byte = offset >>> 3;
    const bit = 0x80 >>> (offset & 7);
    if (((this.listed[byte] as number) & bit) === 0) return;
    this.ownListed();
    this.listed[byte] = (this.listed[byte] as number) & ~bit;
    this.count--;
    (this.patch ??= new ChunkPatch()).put(offset, REMOVED, 0, NO_INVALIDITY);
  }

  get needsCompaction(): boolean {
    const patch = this.patch;
    if (patch === null || patch.size <= MIN_PATCH) return false;
    const base = this.base;
    // by work (compaction stays a constant cost per change) or by memory (a patch entry takes ~3× a base entry's bytes)
    return (
      patch.size > chunkWork(base?.count ?? 0, this.listed.byteLength) * PATCH_SHARE ||
      patch.byteSize > ((base?.byteSize ?? 0) - (base?.rangeBytes ?? 0)) * PATCH_MEMORY_SHARE
    );
  }

  /** the chunk as one immutable Chunk (folding the patch into a new base first); null when nothing is listed */
  compact(id: string): Chunk | null {
    const patch = this.patch;
    if (patch === null) return this.count === 0 ? null : this.base;
    this.patch = null;
    if (this.count === 0) {
      this.base = null;
      return null;
    }
    const n = this.count;
    const reasons = new Uint8Array(n);
    const revokedSec = new Uint32Array(n);
    let inval: Uint32Array | null = null;
    const base = this.base;
    const cur = this.listed;
    const old = base?.listed ?? null;
    const baseInval = base?.invalSec ?? null;
    const baseRanks = base?.invalRanks ?? null;
    let sparseAt = 0;
    let r = 0;
    let br = 0;
    for (let b = 0; b < cur.length; b++) {
      const now = cur[b] as number;
      const was = old === null ? 0 : (old[b] as number);
      const either = now | was;
      if (either === 0) continue;
      for (const bit of SET_BIT_POSITIONS[either] as Uint8Array) {
        const mask = 0x80 >>> bit;
        if ((now & mask) !== 0) {
          const i = patch.find((b << 3) | bit);
          let v: number;
          if (i >= 0) {
            reasons[r] = patch.reasons[i] as number;
            revokedSec[r] = patch.revokedSec[i] as number;
            v = patch.invalAt(i);
          } else {
            const from = base as Chunk;
            reasons[r] = from.reasons[br] as number;
            revokedSec[r] = from.revokedSec[br] as number;
            v = NO_INVALIDITY;
            if (baseInval !== null) {
              if (baseRanks === null) v = baseInval[br] as number;
              else {
                while (sparseAt < baseRanks.length && (baseRanks[sparseAt] as number) < br) sparseAt++;
                if (baseRanks[sparseAt] === br) v = baseInval[sparseAt] as number;
              }
            }
          }
          if (v !== NO_INVALIDITY) (inval ??= new Uint32Array(n))[r] = v;
          r++;
        }
        if ((was & mask) !== 0) br++;
      }
    }
    const next = new Chunk(id, this.chunkNo, {
      listed: cur,
      reasons,
      revokedSec,
      ...(inval === null ? { invalSec: null } : invalidityColumn(inval)),
    });
    this.base = next;
    this.listed = next.listed;
    return next;
  }

  /** bytes held (base, the current bitmap when it is a copy, patch) */
  get byteSize(): number {
    return (this.base?.byteSize ?? 0) + (this.listed === this.base?.listed ? 0 : this.listed.byteLength) + (this.patch?.byteSize ?? 0);
  }

  /** byteSize split: what the serial range costs (bitmaps, rank index), what the entries cost, what the patch costs */
  get memory(): { rangeBytes: number; entryBytes: number; patchBytes: number } {
    const base = this.base;
    const rangeBytes = (base?.rangeBytes ?? 0) + (this.listed === base?.listed ? 0 : this.listed.byteLength);
    return { rangeBytes, entryBytes: (base?.byteSize ?? 0) - (base?.rangeBytes ?? 0), patchBytes: this.patch?.byteSize ?? 0 };
  }

  /** the current bitmap must not be the base's (which stays as the base was built) */
  private ownListed(): void {
    if (this.base !== null && this.listed === this.base.listed) this.listed = this.listed.slice();
  }
}
