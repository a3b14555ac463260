/**
 * CaSnapshot: what a reader answers from for one CA — the generation's metadata (epoch, generation, partitions) and the CA's
 * merged revocation set. The metadata is the snapshot's own: a switch makes a new snapshot object (caches keyed by it, such as
 * the freshness summary, never serve an old judgement). The set is shared and changed in place by later switches (copying a
 * national CA's set per partition switch is what made a partition cost the CA's size): a snapshot held across a switch sees
 * the newer data with its older metadata — never older data than its metadata vouches for.
 */
import type { BulkLookup, PartitionMeta, RevokedEntry } from '../types.js';
import type { Chunk } from './chunk.js';
import type { LongEntry } from './entry-buffer.js';
import { BITMAP_SERIAL_LIMIT } from './bitmap-range.js';
import type { EntrySlot } from './entry-slot.js';
import { fromLong, RevocationSet } from './revocation-set.js';

export type { EntrySlot } from './entry-slot.js';

export class CaSnapshot {
  readonly caId: string;
  /** 0: nothing ever loaded */
  readonly generation: number;
  readonly chunkBits: number;
  readonly partitions: readonly PartitionMeta[];
  /** the store identity this generation belongs to ('' when nothing was ever loaded); see SwitchEvent.epoch */
  readonly epoch: string;
  readonly set: RevocationSet;
  /**
   * the store's name for the switch that made this generation (Redis: its run's loadId), null where the store names none: the same
   * generation number with another last switch is other content (a store that lost writes counted the number again)
   */
  readonly lastSwitch: string | null;

  constructor(
    caId: string,
    generation: number,
    set: RevocationSet,
    partitions: readonly PartitionMeta[],
    epoch: string,
    lastSwitch: string | null = null,
  ) {
    this.caId = caId;
    this.lastSwitch = lastSwitch;
    this.generation = generation;
    this.chunkBits = set.chunkBits;
    this.set = set;
    this.partitions = partitions;
    this.epoch = epoch;
  }

  static empty(caId: string, chunkBits: number): CaSnapshot {
    return new CaSnapshot(caId, 0, new RevocationSet(chunkBits), [], '');
  }

  get loaded(): boolean {
    return this.generation > 0;
  }

  /**
   * Every chunk as one immutable Chunk (listed bitmap, rank index, rank-ordered reasons and dates), for readers that walk bitmaps
   * and ranks — the watch pass ANDs a watch list's bitmap with `listed`. Recent changes are folded in first (cached until the
   * next switch).
   */
  get chunks(): ReadonlyMap<number, Chunk> {
    return this.set.compactChunks(`g${this.generation}`);
  }

  /** serials outside the bitmap range, by signed value */
  get long(): ReadonlyMap<bigint, LongEntry> {
    return this.set.long;
  }

  /** listed serials (bitmap and fallback) */
  get entryCount(): number {
    return this.set.entryCount;
  }

  /** Hot path: fills `out` and returns true when the serial (a number in 0 … 2^32-1; others → lookup) is listed. No allocation. */
  lookupInto(serial: number, out: EntrySlot): boolean {
    return this.set.lookupInto(serial, out);
  }

  lookup(serial: bigint): RevokedEntry | null {
    return this.set.get(serial);
  }

  lookupMany(serials: ArrayLike<number>): BulkLookup {
    const n = serials.length;
    const reasonCodes = new Int8Array(n).fill(-1);
    const revokedAtMs = new Float64Array(n).fill(Number.NaN);
    const invalidityMs = new Float64Array(n).fill(Number.NaN);
    const slot: EntrySlot = { reasonCode: -1, revokedAtMs: Number.NaN, invalidityMs: Number.NaN };
    const set = this.set;
    for (let i = 0; i < n; i++) {
      const s = serials[i] as number;
      let hit: boolean;
      if (s >= 0 && s < BITMAP_SERIAL_LIMIT && Number.isInteger(s)) {
        hit = set.lookupInto(s, slot);
      } else {
        const e = Number.isSafeInteger(s) ? set.long.get(BigInt(s)) : undefined;
        hit = e !== undefined;
        if (e !== undefined) Object.assign(slot, fromLong(e));
      }
      if (!hit) continue;
      reasonCodes[i] = slot.reasonCode;
      revokedAtMs[i] = slot.revokedAtMs;
      invalidityMs[i] = slot.invalidityMs;
    }
    return { reasonCodes, revokedAtMs, invalidityMs, partitions: [...this.partitions], loaded: this.loaded, generation: this.generation };
  }
}

export { fromLong };
