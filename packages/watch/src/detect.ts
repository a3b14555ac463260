/**
 * The detection core: one walk over the watch list's columns, probing each row's serial in the current generation of every CA
 * its issuer stands for — a bit test in the generation's `listed` bitmap (the store's own chunk, no copy, no round trip); only
 * for a listed serial is the reason read (by rank) and compared with the reasons already reported for the row's certificate.
 * Rows whose notAfter has passed and whose expiry was not reported yet come out of the same walk. Cost: a few nanoseconds a row
 * plus the listed rows — 20 M rows in well under a second — with no object per row.
 */
import type { CaSnapshot } from '@jpki-validator/store';
import { EXPIRED_BIT, type WatchColumns } from './list/watch-columns.js';

/** a generation's chunk (the store does not export the class; its shape is what the snapshot holds) */
type Chunk = CaSnapshot['chunks'] extends ReadonlyMap<number, infer C> ? C : never;

export interface DetectTarget {
  snapshot: CaSnapshot;
  /** hits found on this CA */
  hits: number;
}

/** a hit: row `row` is listed on target `target` with `reasonCode`, revoked at `revokedSec`; or (target -1) its expiry is due */
export type HitCallback = (row: number, target: number, reasonCode: number, revokedSec: number) => void;

/** a CA's chunks by number in an array (chunk numbers below 2^32 / 2^chunkBits: 4 096 entries with the store's 2^20 chunks) */
function chunkArray(snapshot: CaSnapshot): readonly (Chunk | undefined)[] {
  let last = -1;
  for (const n of snapshot.chunks.keys()) if (n > last) last = n;
  const at = new Array<Chunk | undefined>(last + 1).fill(undefined);
  for (const [n, chunk] of snapshot.chunks) at[n] = chunk;
  return at;
}

/** whether serial s (in the bitmap range) is listed on a CA; its reason and revocation time go to `out` */
function probe(chunks: readonly (Chunk | undefined)[], bits: number, s: number, out: { code: number; revokedSec: number }): boolean {
  const chunk = chunks[s >>> bits];
  if (chunk === undefined) return false;
  const offset = s & ((1 << bits) - 1);
  if (((chunk.listed[offset >>> 3] as number) & (0x80 >>> (offset & 7))) === 0) return false;
  const rank = chunk.rank(offset);
  out.code = chunk.reasons[rank] as number;
  out.revokedSec = chunk.revokedSec[rank] as number;
  return true;
}

/**
 * Walks every row. `targetsOfIssuer[i]`: the indexes into `targets` of the CAs issuer i stands for that have a generation loaded.
 * `nowMs`: rows with notAfter ≤ now are expiry hits (target -1) unless already reported.
 */
export function detect(
  columns: WatchColumns,
  targets: readonly DetectTarget[],
  targetsOfIssuer: readonly (readonly number[])[],
  nowMs: number,
  onHit: HitCallback,
): void {
  const chunks = targets.map((t) => chunkArray(t.snapshot));
  const bits = targets.map((t) => t.snapshot.chunkBits);
  // most issuers stand for one CA: its index (-1: none loaded, -2: several, walked in the general loop)
  const single = Int32Array.from(targetsOfIssuer, (ts) => (ts.length === 0 ? -1 : ts.length === 1 ? (ts[0] as number) : -2));
  const { issuer, serial, mask, notAfterMs, longSerials } = columns;
  const hasLong = longSerials.size > 0;
  const rows = columns.rows;
  const hit = { code: 0, revokedSec: 0 };
  for (let row = 0; row < rows; row++) {
    const iss = issuer[row] as number;
    const t = single[iss] as number;
    if (t !== -1) {
      const s = serial[row] as number;
      const long = hasLong && s === 0 ? longSerials.get(row) : undefined;
      if (long !== undefined) {
        for (const k of targetsOfIssuer[iss] as readonly number[]) {
          const entry = (targets[k] as DetectTarget).snapshot.long.get(long);
          if (entry !== undefined && ((mask[row] as number) & (1 << entry.reasonCode)) === 0)
            onHit(row, k, entry.reasonCode, entry.revokedSec);
        }
      } else if (t >= 0) {
        if (probe(chunks[t] as (Chunk | undefined)[], bits[t] as number, s, hit) && ((mask[row] as number) & (1 << hit.code)) === 0)
          onHit(row, t, hit.code, hit.revokedSec);
      } else {
        for (const k of targetsOfIssuer[iss] as readonly number[]) {
          if (probe(chunks[k] as (Chunk | undefined)[], bits[k] as number, s, hit) && ((mask[row] as number) & (1 << hit.code)) === 0)
            onHit(row, k, hit.code, hit.revokedSec);
        }
      }
    }
    if ((notAfterMs[row] as number) <= nowMs && ((mask[row] as number) & EXPIRED_BIT) === 0) onHit(row, -1, -1, 0);
  }
}
