/** Chunk ↔ the Redis strings of one chunk (see keys.ts for the layout). */
import { alignedCopy, SET_BIT_POSITIONS, trimmedLength } from '../core/bits.js';
import { Chunk } from '../core/chunk.js';
import { StoreError } from '../errors.js';
import type { ChunkKeys, ManifestChunk } from './keys.js';

export interface EncodedChunk {
  /** [key, value] pairs to SET; the listed bitmap first */
  writes: [string, Buffer][];
}

function view(a: Uint8Array | Uint32Array, length = a.byteLength): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, length);
}

export function encodeChunk(chunk: Chunk, keys: ChunkKeys): EncodedChunk {
  // One bitmap per reason code (0 … 10), made when first needed; set bits walked inline (millions per load).
  const byCode: (Uint8Array | undefined)[] = [];
  const listed = chunk.listed;
  const bytes = listed.byteLength;
  let r = 0;
  for (let b = 0; b < bytes; b++) {
    const byte = listed[b] as number;
    if (byte === 0) continue;
    for (const bit of SET_BIT_POSITIONS[byte] as Uint8Array) {
      const code = chunk.reasons[r++] as number;
      const bm = (byCode[code] ??= new Uint8Array(bytes));
      bm[b] = (bm[b] as number) | (0x80 >>> bit);
    }
  }
  const reasonBitmaps = new Map<number, Uint8Array>();
  for (const [code, bm] of byCode.entries()) if (bm) reasonBitmaps.set(code, bm);
  const writes: [string, Buffer][] = [
    [keys.listed, view(chunk.listed, trimmedLength(chunk.listed))],
    [keys.reasonsByRank, view(chunk.reasons)],
    [keys.dates, view(chunk.revokedSec)],
  ];
  if (chunk.invalSec !== null) writes.push([keys.invalidity, view(chunk.invalSec)]);
  for (const [code, bm] of reasonBitmaps) writes.push([keys.reason(code), view(bm, trimmedLength(bm))]);
  return { writes };
}

/** the keys a reader fetches for a chunk, in the order decodeChunk expects */
export function chunkReadKeys(ref: ManifestChunk, keys: ChunkKeys): string[] {
  return ref.hasInval ? [keys.listed, keys.reasonsByRank, keys.dates, keys.invalidity] : [keys.listed, keys.reasonsByRank, keys.dates];
}

/** null when a key has vanished (the generation was dropped meanwhile): the caller re-reads the manifest */
export function decodeChunk(ref: ManifestChunk, chunkBytes: number, values: (Buffer | null)[]): Chunk | null {
  const [listed, reasons, dates, inval] = values;
  if (!listed || !reasons || !dates || (ref.hasInval && !inval)) return null;
  const u32 = (b: Buffer): Uint32Array => new Uint32Array(alignedCopy(b, b.length).buffer);
  try {
    return new Chunk(ref.loadId, ref.chunkNo, {
      listed: alignedCopy(listed, chunkBytes),
      reasons: alignedCopy(reasons, reasons.length),
      revokedSec: u32(dates),
      invalSec: ref.hasInval && inval ? u32(inval) : null,
    });
  } catch (e) {
    throw new StoreError('SNAPSHOT_CORRUPT', `chunk ${ref.chunkNo} of load ${ref.loadId}: ${(e as Error).message}`, { cause: e });
  }
}
