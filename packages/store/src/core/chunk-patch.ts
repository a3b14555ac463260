/**
 * The changes made to one chunk since its base was last compacted: an open-addressing hash (linear probing) from the serial's
 * offset in the chunk to its reason and dates, in typed arrays. A switch that touches a few entries of a chunk costs those
 * entries here — not a rebuild of the chunk, whose rank-ordered arrays cannot take an insertion without moving everything after
 * it. Compaction (SetChunk.compact) folds the patch into a new base once it holds a fair share of the chunk.
 */
import { NO_INVALIDITY } from './chunk.js';

/** a patch entry's reason meaning "not listed any more" (removeFromCRL of an entry the base lists) */
export const REMOVED = 0xff;

const MIN_CAPACITY = 16;

export class ChunkPatch {
  /** offset + 1 per slot; 0 = empty */
  private keys: Uint32Array;
  reasons: Uint8Array;
  revokedSec: Uint32Array;
  /** only once an entry with an invalidity date arrives */
  invalSec: Uint32Array | null = null;
  /** entries held (removals included) */
  size = 0;
  private shift: number;
  private mask: number;

  constructor(expected = MIN_CAPACITY) {
    let capacity = MIN_CAPACITY;
    while (capacity * 3 < expected * 4) capacity *= 2;
    this.keys = new Uint32Array(capacity);
    this.reasons = new Uint8Array(capacity);
    this.revokedSec = new Uint32Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  /** the slot holding `offset`, or -1 */
  find(offset: number): number {
    const key = offset + 1;
    const keys = this.keys;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = keys[i] as number;
      if (k === key) return i;
      if (k === 0) return -1;
      i = (i + 1) & this.mask;
    }
  }

  put(offset: number, reason: number, revokedSec: number, invalSec: number): void {
    if ((this.size + 1) * 4 > this.keys.length * 3) this.grow();
    const key = offset + 1;
    const keys = this.keys;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = keys[i] as number;
      if (k === key) break;
      if (k === 0) {
        keys[i] = key;
        this.size++;
        break;
      }
      i = (i + 1) & this.mask;
    }
    this.reasons[i] = reason;
    this.revokedSec[i] = revokedSec;
    if (invalSec !== NO_INVALIDITY) (this.invalSec ??= new Uint32Array(this.keys.length))[i] = invalSec;
    else if (this.invalSec !== null) this.invalSec[i] = NO_INVALIDITY;
  }

  invalAt(slot: number): number {
    return this.invalSec === null ? NO_INVALIDITY : (this.invalSec[slot] as number);
  }

  get byteSize(): number {
    return this.keys.byteLength + this.reasons.byteLength + this.revokedSec.byteLength + (this.invalSec?.byteLength ?? 0);
  }

  private grow(): void {
    const { keys, reasons, revokedSec, invalSec } = this;
    const capacity = keys.length * 2;
    this.keys = new Uint32Array(capacity);
    this.reasons = new Uint8Array(capacity);
    this.revokedSec = new Uint32Array(capacity);
    this.invalSec = invalSec === null ? null : new Uint32Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number;
      if (k !== 0)
        this.put(k - 1, reasons[i] as number, revokedSec[i] as number, invalSec === null ? NO_INVALIDITY : (invalSec[i] as number));
    }
  }
}
