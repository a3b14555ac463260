/**
 * Merge of one chunk: a base chunk + entries for the chunk → a new chunk (the base is left as it is).
 * Revocation is final: base entries stay unless the entries re-list them (new reason and dates win) or remove them
 * (removeFromCRL). Dense scratch arrays of the chunk size are reused across chunks (9 bytes × chunk size, e.g. 9 MB at 2^20),
 * made only when a chunk needs them: a chunk with no base whose entries come in ascending serial order is written straight in
 * rank order. A chunk never keeps views of the entries' arrays (they may be a whole partition's, freed after the merge).
 */
import { alignedCopy, popcountBytes, SET_BIT_POSITIONS } from './bits.js';
import { Chunk, invalidityColumn, NO_INVALIDITY } from './chunk.js';
import type { EntryBuffer } from './entry-buffer.js';
import { REMOVE_FROM_CRL } from '@jpki-validator/x509';

export class ChunkBuilder {
  readonly chunkBits: number;
  readonly chunkBytes: number;
  private scratch: { reasonAt: Uint8Array; revokedAt: Uint32Array; invalAt: Uint32Array } | null = null;

  constructor(chunkBits: number) {
    this.chunkBits = chunkBits;
    this.chunkBytes = 2 ** chunkBits / 8;
  }

  /**
   * The merged chunk, or null when nothing is listed in it any more. The chunk's entries are order[from … to-1] (in insertion
   * order), or entries from … to-1 themselves when order is null.
   */
  build(
    id: string,
    chunkNo: number,
    base: Chunk | null,
    entries: EntryBuffer,
    order: Uint32Array | null,
    from: number,
    to: number,
  ): Chunk | null {
    if (base === null) {
      const fresh = this.buildAscending(id, chunkNo, entries, order, from, to);
      if (fresh !== undefined) return fresh;
    }
    const n = 2 ** this.chunkBits;
    this.scratch ??= { reasonAt: new Uint8Array(n), revokedAt: new Uint32Array(n), invalAt: new Uint32Array(n) };
    const { reasonAt, revokedAt, invalAt } = this.scratch;
    // Only positions whose bit ends up set are read back, so the scratch arrays never need clearing.
    const listed = base ? alignedCopy(base.listed, this.chunkBytes) : new Uint8Array(this.chunkBytes);
    if (base) {
      const dense = base.invalRanks === null ? base.invalSec : null;
      const anyInval = base.invalSec !== null;
      const baseListed = base.listed;
      let r = 0;
      for (let b = 0; b < baseListed.length; b++) {
        const byte = baseListed[b] as number;
        if (byte === 0) continue;
        for (const bit of SET_BIT_POSITIONS[byte] as Uint8Array) {
          const p = (b << 3) | bit;
          reasonAt[p] = base.reasons[r] as number;
          revokedAt[p] = base.revokedSec[r] as number;
          invalAt[p] = dense !== null ? (dense[r] as number) : anyInval ? base.invalAt(r) : NO_INVALIDITY;
          r++;
        }
      }
    }
    const mask = 2 ** this.chunkBits - 1;
    const invalOf = entries.invalSec;
    for (let k = from; k < to; k++) {
      const i = order === null ? k : (order[k] as number);
      const p = (entries.serials[i] as number) & mask;
      const reason = entries.reasons[i] as number;
      if (reason === REMOVE_FROM_CRL) {
        listed[p >>> 3] = (listed[p >>> 3] as number) & ~(0x80 >>> (p & 7));
        continue;
      }
      listed[p >>> 3] = (listed[p >>> 3] as number) | (0x80 >>> (p & 7));
      reasonAt[p] = reason;
      revokedAt[p] = entries.revokedSec[i] as number;
      invalAt[p] = invalOf === null ? NO_INVALIDITY : (invalOf[i] as number);
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
    return new Chunk(id, chunkNo, { listed, reasons, revokedSec, ...(anyInval ? invalidityColumn(invalByRank) : { invalSec: null }) });
  }

  /**
   * A chunk with no base, straight from entries in ascending serial order: rank order is entry order, so no scratch arrays and
   * no second pass. undefined when the entries are not strictly ascending or one is a removeFromCRL: the general path then.
   */
  private buildAscending(
    id: string,
    chunkNo: number,
    entries: EntryBuffer,
    order: Uint32Array | null,
    from: number,
    to: number,
  ): Chunk | null | undefined {
    const n = to - from;
    if (n === 0) return null;
    const mask = 2 ** this.chunkBits - 1;
    const { serials, reasons: reasonOf, revokedSec: revokedOf, invalSec: invalOf } = entries;
    const listed = new Uint8Array(this.chunkBytes);
    if (order === null && entries.removals === 0) {
      let previous = -1;
      for (let i = from; i < to; i++) {
        const p = (serials[i] as number) & mask;
        if (p <= previous) return undefined;
        previous = p;
        listed[p >>> 3] = (listed[p >>> 3] as number) | (0x80 >>> (p & 7));
      }
      const inval = invalOf?.slice(from, to) ?? null;
      return new Chunk(id, chunkNo, {
        listed,
        reasons: reasonOf.slice(from, to),
        revokedSec: revokedOf.slice(from, to),
        ...(inval === null ? { invalSec: null } : invalidityColumn(inval)),
      });
    }
    const reasons = new Uint8Array(n);
    const revokedSec = new Uint32Array(n);
    let invalSec: Uint32Array | null = null;
    let previous = -1;
    for (let k = from, r = 0; k < to; k++, r++) {
      const i = order === null ? k : (order[k] as number);
      const p = (serials[i] as number) & mask;
      const reason = reasonOf[i] as number;
      if (p <= previous || reason === REMOVE_FROM_CRL) return undefined;
      previous = p;
      listed[p >>> 3] = (listed[p >>> 3] as number) | (0x80 >>> (p & 7));
      reasons[r] = reason;
      revokedSec[r] = revokedOf[i] as number;
      const v = invalOf === null ? NO_INVALIDITY : (invalOf[i] as number);
      if (v !== NO_INVALIDITY) (invalSec ??= new Uint32Array(n).fill(NO_INVALIDITY))[r] = v;
    }
    return new Chunk(id, chunkNo, {
      listed,
      reasons,
      revokedSec,
      ...(invalSec === null ? { invalSec: null } : invalidityColumn(invalSec)),
    });
  }
}
