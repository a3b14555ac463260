/**
 * The loader's accumulator: parallel typed arrays (the invalidity dates only once one appears) that grow by doubling, so `add`
 * in the CRL scanner's hot loop copies a few numbers and allocates nothing (amortised). Serials outside the bitmap range go to a
 * small Map (rare: PKITS, foreign CAs). Chunks built from an ascending load keep views of these arrays (chunk-builder.ts).
 */
import { REMOVE_FROM_CRL } from '@jpki-validator/x509';
import { EntryError } from '../errors.js';
import { inBitmapRange } from './bitmap-range.js';
import { NO_INVALIDITY } from './chunk.js';

const MAX_SECONDS = 2 ** 32 - 1;

export interface LongEntry {
  reasonCode: number;
  revokedSec: number;
  invalSec: number;
}

export interface ChunkGroups {
  /** touched chunk numbers, ascending */
  chunkNos: number[];
  /**
   * entries of chunkNos[i] are order[starts[i]] … order[starts[i+1]-1], in insertion order (later entries win); order is null when
   * the entries were added in ascending serial order, as CRLs of sequential-serial CAs list them: then index k is entry k
   */
  starts: Uint32Array;
  order: Uint32Array | null;
}

export class EntryBuffer {
  serials: Uint32Array;
  reasons: Uint8Array;
  revokedSec: Uint32Array;
  /** null until the first entry with an invalidity date (JPKI-like CRLs carry none: 4 bytes an entry saved) */
  invalSec: Uint32Array | null = null;
  length = 0;
  readonly long = new Map<bigint, LongEntry>();
  /** removeFromCRL entries seen: legal only in a delta, which is known only once the whole CRL is read */
  removals = 0;
  /** every bitmap serial so far is greater than the one added before it (so none repeats) */
  ascending = true;
  private lastSerial = -1;
  /** 1 for the reason codes an entry may carry */
  private readonly validReason: Uint8Array;
  private added = 0;

  constructor(initialCapacity = 1 << 16) {
    this.validReason = new Uint8Array(16);
    for (const code of [0, 1, 2, 3, 4, 5, 6, 9, 10]) this.validReason[code] = 1;
    this.serials = new Uint32Array(initialCapacity);
    this.reasons = new Uint8Array(initialCapacity);
    this.revokedSec = new Uint32Array(initialCapacity);
  }

  /** entries added (bitmap and fallback) */
  get count(): number {
    return this.added;
  }

  add(serial: number, reasonCode: number, revokedAtMs: number, invalidityMs: number): void {
    // one comparison each for the common case; the slow paths name what is wrong
    if (serial >>> 0 !== serial) {
      if (!Number.isSafeInteger(serial)) throw new EntryError(this.added, `serial ${serial} is not an integer (use addLong)`);
      this.addLong(BigInt(serial), reasonCode, revokedAtMs, invalidityMs);
      return;
    }
    const reason = reasonCode === -1 ? 0 : reasonCode;
    if (this.validReason[reason] !== 1) this.checkReason(reasonCode);
    const revoked = Math.floor(revokedAtMs / 1000);
    if (!(revoked >= 0 && revoked <= MAX_SECONDS)) this.toSeconds(revokedAtMs, 'revocationDate');
    const inval = Number.isNaN(invalidityMs) ? NO_INVALIDITY : this.toSeconds(invalidityMs, 'invalidityDate');
    if (serial <= this.lastSerial) this.ascending = false;
    this.lastSerial = serial;
    if (this.length === this.serials.length) this.grow();
    const i = this.length++;
    this.serials[i] = serial;
    this.reasons[i] = reason;
    this.revokedSec[i] = revoked;
    // slots are made NO_INVALIDITY (here and in grow) and never reused, so only a date is written
    if (inval !== NO_INVALIDITY) (this.invalSec ??= new Uint32Array(this.serials.length).fill(NO_INVALIDITY))[i] = inval;
    this.added++;
  }

  /**
   * An entry already in the store's units (a run's or a merge's: reason checked, dates in seconds); no validation. Reason
   * removeFromCRL un-lists.
   */
  put(serial: number, reason: number, revokedSec: number, invalSec: number): void {
    if (serial <= this.lastSerial) this.ascending = false;
    this.lastSerial = serial;
    if (this.length === this.serials.length) this.grow();
    const i = this.length++;
    this.serials[i] = serial;
    this.reasons[i] = reason;
    this.revokedSec[i] = revokedSec;
    if (invalSec !== NO_INVALIDITY) (this.invalSec ??= new Uint32Array(this.serials.length).fill(NO_INVALIDITY))[i] = invalSec;
    if (reason === REMOVE_FROM_CRL) this.removals++;
    this.added++;
  }

  /** a fallback-structure entry already in the store's units (see put) */
  putLong(serial: bigint, entry: LongEntry): void {
    this.long.delete(serial);
    this.long.set(serial, entry);
    if (entry.reasonCode === REMOVE_FROM_CRL) this.removals++;
    this.added++;
  }

  addLong(serial: bigint, reasonCode: number, revokedAtMs: number, invalidityMs: number): void {
    if (inBitmapRange(serial)) {
      this.add(Number(serial), reasonCode, revokedAtMs, invalidityMs);
      return;
    }
    const reason = this.checkReason(reasonCode);
    const revokedSec = this.toSeconds(revokedAtMs, 'revocationDate');
    const invalSec = Number.isNaN(invalidityMs) ? NO_INVALIDITY : this.toSeconds(invalidityMs, 'invalidityDate');
    // delete first so the Map's order is the order of the latest occurrence (later entries win)
    this.long.delete(serial);
    this.long.set(serial, { reasonCode: reason, revokedSec, invalSec });
    this.added++;
  }

  /** stable counting sort of the bitmap entries by chunk number; no sort at all when they came in ascending order */
  groupByChunk(chunkBits: number): ChunkGroups {
    if (this.ascending) return this.ascendingGroups(chunkBits);
    // sized by the highest chunk present, not every chunk there could be (2^20 counts at 12-bit chunks)
    let top = 0;
    for (let i = 0; i < this.length; i++) top = Math.max(top, (this.serials[i] as number) >>> chunkBits);
    const counts = new Uint32Array(top + 2);
    for (let i = 0; i < this.length; i++) {
      const c = ((this.serials[i] as number) >>> chunkBits) + 1;
      counts[c] = (counts[c] as number) + 1;
    }
    const chunkNos: number[] = [];
    for (let c = 0; c + 1 < counts.length; c++) if (counts[c + 1] !== 0) chunkNos.push(c);
    for (let c = 1; c < counts.length; c++) counts[c] = (counts[c] as number) + (counts[c - 1] as number);
    const order = new Uint32Array(this.length);
    const next = counts.slice();
    for (let i = 0; i < this.length; i++) {
      const c = (this.serials[i] as number) >>> chunkBits;
      const slot = next[c] as number;
      next[c] = slot + 1;
      order[slot] = i;
    }
    const starts = new Uint32Array(chunkNos.length + 1);
    chunkNos.forEach((c, k) => {
      starts[k] = counts[c] as number;
    });
    starts[chunkNos.length] = this.length;
    return { chunkNos, starts, order };
  }

  private ascendingGroups(chunkBits: number): ChunkGroups {
    const chunkNos: number[] = [];
    const starts: number[] = [];
    let current = -1;
    for (let i = 0; i < this.length; i++) {
      const c = (this.serials[i] as number) >>> chunkBits;
      if (c === current) continue;
      current = c;
      chunkNos.push(c);
      starts.push(i);
    }
    starts.push(this.length);
    return { chunkNos, starts: Uint32Array.from(starts), order: null };
  }

  private checkReason(code: number): number {
    if (code === -1) return 0; // no reasonCode extension: unspecified (docs/api.md, "Reasons")
    if (!Number.isInteger(code) || code < 0 || code > 10 || code === 7)
      throw new EntryError(this.added, `reason code ${code} is not a CRLReason`);
    if (code === REMOVE_FROM_CRL) this.removals++;
    return code;
  }

  private toSeconds(ms: number, field: string): number {
    const sec = Math.floor(ms / 1000);
    if (!(sec >= 0 && sec <= MAX_SECONDS)) throw new EntryError(this.added, `${field} ${ms} ms is outside 1970 … 2106`);
    return sec;
  }

  private grow(): void {
    const cap = this.serials.length * 2;
    const grow32 = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    };
    this.serials = grow32(this.serials);
    this.revokedSec = grow32(this.revokedSec);
    if (this.invalSec !== null) {
      const inval = new Uint32Array(cap).fill(NO_INVALIDITY);
      inval.set(this.invalSec);
      this.invalSec = inval;
    }
    const r = new Uint8Array(cap);
    r.set(this.reasons);
    this.reasons = r;
  }
}
