/**
 * The detection core: set algebra between a CA's watched-serial bitmaps and its current generation. Per chunk, one AND of the
 * watched and listed words finds every watched serial that is listed; only those bits are looked at one by one (their reason by
 * rank, and whether that reason was already reported). Cost: the words of the watched chunks plus the watched-and-listed bits —
 * never one lookup per customer.
 */
import type { CaSnapshot } from '@jpki-validator/store';
import type { ChunkedBitmap } from './chunked-bitmap.js';
import { WatchError } from './errors.js';

/** one watched, listed serial whose (serial, reason) has not been reported (or gained a watcher since) */
export interface DetectedRevocation {
  serial: bigint;
  reasonCode: number;
  revokedAtMs: number;
}

export interface DetectInput {
  snapshot: CaSnapshot;
  watched: ChunkedBitmap;
  /** reported serials by reason code */
  reported: (reasonCode: number) => ChunkedBitmap | undefined;
  fresh: ChunkedBitmap | null;
}

export function detectRevocations(input: DetectInput): DetectedRevocation[] {
  const { snapshot, watched, fresh } = input;
  if (watched.chunkBits !== snapshot.chunkBits) {
    throw new WatchError(
      'WATCH_CHUNK_MISMATCH',
      `watch list of ${snapshot.caId} uses 2^${watched.chunkBits}-serial chunks, the store 2^${snapshot.chunkBits}`,
    );
  }
  const hits: DetectedRevocation[] = [];
  const reportedCache = new Map<number, ChunkedBitmap | undefined>();
  const reportedFor = (code: number): ChunkedBitmap | undefined => {
    if (!reportedCache.has(code)) reportedCache.set(code, input.reported(code));
    return reportedCache.get(code);
  };
  const isNew = (code: number, chunkNo: number, offset: number, serial: bigint): boolean => {
    const rep = reportedFor(code);
    if (chunkNo < 0) return !(rep?.long.has(serial) ?? false) || (fresh?.long.has(serial) ?? false);
    return !(rep?.hasBit(rep.chunks.get(chunkNo), offset) ?? false) || (fresh?.hasBit(fresh.chunks.get(chunkNo), offset) ?? false);
  };

  for (const [chunkNo, watchedBytes] of watched.chunks) {
    const chunk = snapshot.chunks.get(chunkNo);
    if (chunk === undefined) continue;
    const w = new Uint32Array(watchedBytes.buffer, watchedBytes.byteOffset, watchedBytes.byteLength >>> 2);
    const l = new Uint32Array(chunk.listed.buffer, chunk.listed.byteOffset, chunk.listed.byteLength >>> 2);
    const base = chunkNo * 2 ** snapshot.chunkBits;
    for (let i = 0; i < w.length; i++) {
      const both = ((w[i] as number) & (l[i] as number)) >>> 0;
      if (both === 0) continue;
      // little-endian words: byte k of the word is memory byte 4i+k; within a byte, Redis order (MSB first)
      for (let k = 0; k < 4; k++) {
        const byte = (both >>> (k * 8)) & 0xff;
        if (byte === 0) continue;
        for (let bit = 0; bit < 8; bit++) {
          if ((byte & (0x80 >>> bit)) === 0) continue;
          const offset = (((i << 2) + k) << 3) | bit;
          const rank = chunk.rank(offset);
          const code = chunk.reasons[rank] as number;
          const serial = BigInt(base + offset);
          if (!isNew(code, chunkNo, offset, serial)) continue;
          hits.push({ serial, reasonCode: code, revokedAtMs: (chunk.revokedSec[rank] as number) * 1000 });
        }
      }
    }
  }
  for (const serial of watched.long) {
    const entry = snapshot.long.get(serial);
    if (entry === undefined || !isNew(entry.reasonCode, -1, 0, serial)) continue;
    hits.push({ serial, reasonCode: entry.reasonCode, revokedAtMs: entry.revokedSec * 1000 });
  }
  return hits;
}
