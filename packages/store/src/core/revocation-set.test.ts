/**
 * The merged set against a plain Map model: random switches of every size (a few entries — patched; a fair share of a chunk —
 * rebuilt), in order and out of order, with duplicates (later wins), removals and invalidity dates, on small chunks so that
 * patching, compaction and rebuilding all happen many times. After every switch every serial answers as the model does.
 */
import { describe, expect, it } from 'vitest';
import { NO_INVALIDITY } from './chunk.js';
import { ChunkBuilder } from './chunk-builder.js';
import { EntryBuffer } from './entry-buffer.js';
import { REMOVE_FROM_CRL } from '@jpki-validator/x509';
import type { EntrySlot } from './entry-slot.js';
import { RevocationSet } from './revocation-set.js';

function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface ModelEntry {
  reason: number;
  revokedSec: number;
  invalSec: number;
}

const REASONS = [0, 1, 3, 4, 6];

describe('RevocationSet', () => {
  it('answers like a Map after thousands of patched, compacted and rebuilt switches', () => {
    const chunkBits = 12;
    const range = 2 ** 16; // 16 chunks
    const set = new RevocationSet(chunkBits);
    const builder = new ChunkBuilder(chunkBits);
    const model = new Map<number, ModelEntry>();
    const rnd = prng(20261203);
    const slot: EntrySlot = { reasonCode: -1, revokedAtMs: Number.NaN, invalidityMs: Number.NaN };
    for (let round = 0; round < 200; round++) {
      const size = rnd() < 0.1 ? Math.floor(rnd() * 20_000) : Math.floor(rnd() * 300);
      const ascending = rnd() < 0.5;
      const entries = new EntryBuffer(64);
      let s = Math.floor(rnd() * 64);
      for (let i = 0; i < size; i++) {
        const serial = ascending ? (s += 1 + Math.floor(rnd() * 8)) % range : Math.floor(rnd() * range);
        const remove = rnd() < 0.05;
        const reason = remove ? REMOVE_FROM_CRL : (REASONS[Math.floor(rnd() * REASONS.length)] as number);
        const revokedSec = 1_700_000_000 + Math.floor(rnd() * 1000);
        const invalSec = rnd() < 0.1 ? 1_600_000_000 + Math.floor(rnd() * 1000) : NO_INVALIDITY;
        entries.put(serial, reason, revokedSec, invalSec);
        if (remove) model.delete(serial);
        else model.set(serial, { reason, revokedSec, invalSec });
      }
      set.apply(entries, `r${round}`, builder);
      expect(set.entryCount).toBe(model.size);
      if (round % 20 !== 19) continue;
      // plain comparisons in the loops (an expect per serial would take minutes); the mismatches are asserted once
      const wrong: string[] = [];
      for (let serial = 0; serial < range; serial++) {
        const want = model.get(serial);
        const hit = set.lookupInto(serial, slot);
        const ok =
          want === undefined
            ? !hit
            : hit &&
              slot.reasonCode === want.reason &&
              slot.revokedAtMs === want.revokedSec * 1000 &&
              (want.invalSec === NO_INVALIDITY ? Number.isNaN(slot.invalidityMs) : slot.invalidityMs === want.invalSec * 1000);
        if (!ok && wrong.length < 5)
          wrong.push(`round ${round} serial ${serial}: ${JSON.stringify({ hit, ...slot })} vs ${JSON.stringify(want)}`);
      }
      // the compact view (what the watch pass walks) holds the same entries, by rank
      let viewed = 0;
      for (const [chunkNo, chunk] of set.compactChunks(`v${round}`)) {
        for (let offset = 0; offset < 2 ** chunkBits; offset++) {
          if (!chunk.isListed(offset)) continue;
          const want = model.get(chunkNo * 2 ** chunkBits + offset);
          const r = chunk.rank(offset);
          if (chunk.reasons[r] !== want?.reason || chunk.revokedSec[r] !== want?.revokedSec || chunk.invalAt(r) !== want?.invalSec) {
            if (wrong.length < 5) wrong.push(`round ${round} compact ${chunkNo}/${offset}`);
          }
          viewed++;
        }
      }
      expect(wrong).toEqual([]);
      expect(viewed).toBe(model.size);
    }
  });

  it('a switch of a few entries patches in place; a chunk stays one object and its arrays are not copied', () => {
    const set = new RevocationSet(16);
    const builder = new ChunkBuilder(16);
    const bulk = new EntryBuffer(1 << 16);
    for (let i = 0; i < 40_000; i++) bulk.put(i, 1, 1_700_000_000, NO_INVALIDITY);
    set.apply(bulk, 'a', builder);
    const chunk = set.chunk(0);
    const base = chunk?.base;
    const few = new EntryBuffer(8);
    few.put(50_000, 3, 1_700_000_100, NO_INVALIDITY);
    few.put(7, REMOVE_FROM_CRL, 0, NO_INVALIDITY);
    set.apply(few, 'b', builder);
    expect(set.chunk(0)).toBe(chunk);
    expect(set.chunk(0)?.base).toBe(base);
    expect(set.chunk(0)?.patch?.size).toBe(2);
    expect(set.get(50_000n)?.reasonCode).toBe(3);
    expect(set.get(7n)).toBeNull();
    expect(set.get(8n)?.reasonCode).toBe(1);
  });
});
