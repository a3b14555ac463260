/**
 * One CA's merged revocation set — every serial any of its partitions lists, with the latest reason and dates — in memory,
 * changed in place. What the embedded store holds, what a validator's replica holds, and what every lookup reads.
 *
 * Layout: chunks of 2^chunkBits serials (SetChunk: a compact base + a patch of recent changes), indexed by chunk number in an
 * array (no hashing on the hot path), and a Map for serials outside 0 … 2^32-1.
 *
 * Cost of a change: `apply` touches only the chunks the changed entries fall in, and in each either patches the entries (O(1)
 * each) or, when they are a fair share of the chunk, rebuilds the chunk; a patch grown past 1/8 of its chunk is folded into a
 * new base. So a switch costs about its own size (amortised), never the CA's: a national CA's 1,741 partitions each spread over
 * the whole serial range, and copying every chunk per partition switch made a partition's cost the CA's size.
 *
 * Changed synchronously: a reader on the same thread never sees half a switch.
 */
import { inBitmapRange } from './bitmap-range.js';
import type { RevokedEntry } from '../types.js';
import type { Chunk } from './chunk.js';
import { NO_INVALIDITY } from './chunk.js';
import type { ChunkBuilder } from './chunk-builder.js';
import type { EntryBuffer, LongEntry } from './entry-buffer.js';
import { REMOVE_FROM_CRL } from '@jpki-validator/x509';
import type { EntrySlot } from './entry-slot.js';
import { chunkWork, SetChunk } from './set-chunk.js';

/** a chunk is rebuilt (not patched) when the entries for it are more than this share of what a rebuild costs (chunkWork) */
const REBUILD_SHARE = 1 / 4;

export class RevocationSet {
  readonly chunkBits: number;
  private readonly chunkBytes: number;
  private readonly offsetMask: number;
  /** by chunk number; holes are chunks with nothing listed */
  private chunkAt: (SetChunk | undefined)[] = [];
  /** serials outside the bitmap range, by signed value */
  readonly long = new Map<bigint, LongEntry>();
  /** compact chunks as of the last change (for readers that walk bitmaps and ranks: the watch pass); rebuilt on demand */
  private compactView: Map<number, Chunk> | null = null;

  constructor(chunkBits: number) {
    this.chunkBits = chunkBits;
    this.chunkBytes = 2 ** chunkBits / 8;
    this.offsetMask = 2 ** chunkBits - 1;
  }

  /** Hot path: fills `out` and returns true when the serial (0 … 2^32-1) is listed. No allocation. */
  lookupInto(serial: number, out: EntrySlot): boolean {
    const chunk = this.chunkAt[serial >>> this.chunkBits];
    return chunk?.lookupInto(serial & this.offsetMask, out) === true;
  }

  /** any serial (bigint); null when not listed */
  get(serial: bigint): RevokedEntry | null {
    if (inBitmapRange(serial)) {
      const slot: EntrySlot = { reasonCode: -1, revokedAtMs: Number.NaN, invalidityMs: Number.NaN };
      return this.lookupInto(Number(serial), slot) ? slot : null;
    }
    const e = this.long.get(serial);
    return e === undefined ? null : fromLong(e);
  }

  /**
   * Applies entries — set, or un-listed by reason removeFromCRL; later entries for one serial win — in place. `id` names the
   * chunks it builds. Returns the number of chunks touched.
   */
  apply(entries: EntryBuffer, id: string, builder: ChunkBuilder): number {
    if (builder.chunkBits !== this.chunkBits)
      throw new RangeError(`builder of 2^${builder.chunkBits} chunks for a set of 2^${this.chunkBits}`);
    this.compactView = null;
    const { chunkNos, starts, order } = entries.groupByChunk(this.chunkBits);
    const mask = this.offsetMask;
    for (let k = 0; k < chunkNos.length; k++) {
      const chunkNo = chunkNos[k] as number;
      const from = starts[k] as number;
      const to = starts[k + 1] as number;
      let chunk = this.chunkAt[chunkNo];
      if (chunk === undefined || to - from > chunkWork(chunk.count, this.chunkBytes) * REBUILD_SHARE) {
        const built = builder.build(id, chunkNo, chunk?.compact(id) ?? null, entries, order, from, to);
        this.put(chunkNo, built === null ? undefined : new SetChunk(chunkNo, built, this.chunkBytes));
        continue;
      }
      for (let j = from; j < to; j++) {
        const i = order === null ? j : (order[j] as number);
        const offset = (entries.serials[i] as number) & mask;
        const reason = entries.reasons[i] as number;
        if (reason === REMOVE_FROM_CRL) chunk.remove(offset);
        else
          chunk.set(
            offset,
            reason,
            entries.revokedSec[i] as number,
            entries.invalSec === null ? NO_INVALIDITY : (entries.invalSec[i] as number),
          );
      }
      if (chunk.count === 0) chunk = undefined;
      else if (chunk.needsCompaction) chunk.compact(id);
      this.put(chunkNo, chunk);
    }
    for (const [serial, e] of entries.long) {
      if (e.reasonCode === REMOVE_FROM_CRL) this.long.delete(serial);
      else this.long.set(serial, e);
    }
    return chunkNos.length;
  }

  /** chunk numbers with something listed, ascending */
  chunkNos(): number[] {
    const out: number[] = [];
    this.chunkAt.forEach((c, n) => {
      if (c !== undefined) out.push(n);
    });
    return out;
  }

  chunk(chunkNo: number): SetChunk | undefined {
    return this.chunkAt[chunkNo];
  }

  /**
   * Every chunk as one immutable Chunk (bitmap + rank-ordered arrays), patches folded in first — for readers that walk
   * bitmaps and ranks. Cached until the next change; folding is work compaction would do later anyway.
   */
  compactChunks(id: string): ReadonlyMap<number, Chunk> {
    if (this.compactView !== null) return this.compactView;
    const view = new Map<number, Chunk>();
    this.chunkAt.forEach((c, n) => {
      const compacted = c?.compact(id) ?? null;
      if (compacted !== null) view.set(n, compacted);
    });
    this.compactView = view;
    return view;
  }

  /** listed serials (bitmap and fallback) */
  get entryCount(): number {
    let n = this.long.size;
    for (const c of this.chunkAt) if (c !== undefined) n += c.count;
    return n;
  }

  /** bytes held in typed arrays (bitmaps, rank indexes, reasons, dates, patches); the fallback Map is not counted */
  get byteSize(): number {
    let n = 0;
    for (const c of this.chunkAt) if (c !== undefined) n += c.byteSize;
    return n;
  }

  /** byteSize split: bitmaps and rank indexes (∝ the serial range covered), entry arrays (∝ entries), patches (recent changes) */
  get memory(): { rangeBytes: number; entryBytes: number; patchBytes: number } {
    const out = { rangeBytes: 0, entryBytes: 0, patchBytes: 0 };
    for (const c of this.chunkAt) {
      if (c === undefined) continue;
      const m = c.memory;
      out.rangeBytes += m.rangeBytes;
      out.entryBytes += m.entryBytes;
      out.patchBytes += m.patchBytes;
    }
    return out;
  }

  private put(chunkNo: number, chunk: SetChunk | undefined): void {
    if (chunk === undefined) {
      if (chunkNo < this.chunkAt.length) this.chunkAt[chunkNo] = undefined;
      return;
    }
    while (this.chunkAt.length <= chunkNo) this.chunkAt.push(undefined);
    this.chunkAt[chunkNo] = chunk;
  }
}

export function fromLong(e: LongEntry): RevokedEntry {
  return {
    reasonCode: e.reasonCode,
    revokedAtMs: e.revokedSec * 1000,
    invalidityMs: e.invalSec === NO_INVALIDITY ? Number.NaN : e.invalSec * 1000,
  };
}
