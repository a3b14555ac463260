/**
 * Copy-on-write merge of one chunk: base chunk (the current generation's) + this load's entries for the chunk → a new chunk.
 * Revocation is final: base entries stay unless the load re-lists them (new reason and dates win) or a delta removes them.
 * Dense scratch arrays of the chunk size are reused across chunks and loads (9 bytes × chunk size, e.g. 9 MB at 2^20).
 */
import { alignedCopy, popcountBytes, SET_BIT_POSITIONS } from './bits.js';
import { Chunk, NO_INVALIDITY } from './chunk.js';
import { REMOVE_FROM_CRL, type EntryBuffer } from './entry-buffer.js';

export class ChunkBuilder {
  readonly chunkBits: number;
  readonly chunkBytes: number;
  private readonly reasonAt: Uint8Array;
  private readonly revokedAt: Uint32Array;
  private readonly invalAt: Uint32Array;

  constructor(chunkBits: number) {
    this.chunkBits = chunkBits;
    this.chunkBytes = 2 ** chunkBits / 8;
    this.reasonAt = new Uint8Array(2 ** chunkBits);
    this.revokedAt = new Uint32Array(2 ** chunkBits);
    this.invalAt = new Uint32Array(2 ** chunkBits);
  }

  /** the merged chunk, or null when nothing is listed in it any more */
  build(id: string, chunkNo: number, base: Chunk | null, entries: EntryBuffer, order: Uint32Array, from: number, to: number): Chunk | null {
    const { reasonAt, revokedAt, invalAt } = this;
    // Only positions whose bit ends up set are read back, so the scratch arrays never need clearing.
    const listed = base ? alignedCopy(base.listed, this.chunkBytes) : new Uint8Array(this.chunkBytes);
    if (base) {
      const inval = base.invalSec;
      const baseListed = base.listed;
      let r = 0;
      for (let b = 0; b < baseListed.length; b++) {
        const byte = baseListed[b] as number;
        if (byte === 0) continue;
        for (const bit of SET_BIT_POSITIONS[byte] as Uint8Array) {
          const p = (b << 3) | bit;
          reasonAt[p] = base.reasons[r] as number;
          revokedAt[p] = base.revokedSec[r] as number;
          invalAt[p] = inval ? (inval[r] as number) : NO_INVALIDITY;
          r++;
        }
      }
    }
    const mask = 2 ** this.chunkBits - 1;
    for (let k = from; k < to; k++) {
      const i = order[k] as number;
      const p = (entries.serials[i] as number) & mask;
      const reason = entries.reasons[i] as number;
      if (reason === REMOVE_FROM_CRL) {
        listed[p >>> 3] = (listed[p >>> 3] as number) & ~(0x80 >>> (p & 7));
        continue;
      }
      listed[p >>> 3] = (listed[p >>> 3] as number) | (0x80 >>> (p & 7));
      reasonAt[p] = reason;
      revokedAt[p] = entries.revokedSec[i] as number;
      invalAt[p] = entries.invalSec[i] as number;
    }
    const count = popcountBytes(listed);
    if (count === 0) return null;
    const reasons = new Uint8Array(count);
    const revokedSec = new Uint32Array(count);
    const invalByRank = new Uint32Array(count);
    let anyInval = false;
    let r = 0;
    for (let b = 0; b < listed.length; b++) {
      const byte = listed[b] as number;
      if (byte === 0) continue;
      for (const bit of SET_BIT_POSITIONS[byte] as Uint8Array) {
        const p = (b << 3) | bit;
        reasons[r] = reasonAt[p] as number;
        revokedSec[r] = revokedAt[p] as number;
        const v = invalAt[p] as number;
        invalByRank[r] = v;
        if (v !== NO_INVALIDITY) anyInval = true;
        r++;
      }
    }
    return new Chunk(id, chunkNo, { listed, reasons, revokedSec, invalSec: anyInval ? invalByRank : null });
  }
}
