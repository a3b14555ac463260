import { describe, expect, it } from 'vitest';
import { Chunk } from './chunk.js';
import { ChunkBuilder } from './chunk-builder.js';
import { EntryBuffer } from './entry-buffer.js';

/** deterministic xorshift, so a failure reproduces */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('Chunk rank', () => {
  it('agrees with a naive count at every offset, dense and sparse', () => {
    for (const density of [0.5, 0.01]) {
      const rnd = prng(density === 0.5 ? 7 : 11);
      const bits = 4096;
      const listed = new Uint8Array(bits / 8);
      const set: boolean[] = [];
      for (let p = 0; p < bits; p++) {
        const on = rnd() < density;
        set.push(on);
        if (on) listed[p >>> 3] = (listed[p >>> 3] as number) | (0x80 >>> (p & 7));
      }
      const count = set.filter(Boolean).length;
      const chunk = new Chunk('t', 0, { listed, reasons: new Uint8Array(count), revokedSec: new Uint32Array(count), invalSec: null });
      let naive = 0;
      for (let p = 0; p < bits; p++) {
        expect(chunk.rank(p)).toBe(naive);
        expect(chunk.isListed(p)).toBe(set[p]);
        if (set[p]) naive++;
      }
      expect(chunk.count).toBe(count);
    }
  });

  it('refuses parts whose lengths do not match the bitmap', () => {
    const listed = new Uint8Array(512);
    listed[0] = 0xc0;
    expect(() => new Chunk('t', 3, { listed, reasons: new Uint8Array(1), revokedSec: new Uint32Array(2), invalSec: null })).toThrow(
      /chunk 3 \(t\): 2 listed bits but 1 reasons/,
    );
  });
});

describe('ChunkBuilder', () => {
  it('merges a load onto a base: later entries win, removeFromCRL clears, invalidity kept only when present', () => {
    const builder = new ChunkBuilder(12);
    const first = new EntryBuffer();
    first.add(5, 6, 1000_000, Number.NaN);
    first.add(4095, 1, 2000_000, 1500_000);
    const g1 = first.groupByChunk(12);
    const base = builder.build('a', 0, null, first, g1.order, 0, first.length);
    expect(base?.count).toBe(2);
    expect(base?.invalSec === null).toBe(false);
    const delta = new EntryBuffer();
    delta.add(4095, 8, 3000_000, Number.NaN);
    delta.add(5, 3, 4000_000, Number.NaN);
    delta.add(5, 4, 5000_000, Number.NaN);
    const g2 = delta.groupByChunk(12);
    const merged = builder.build('b', 0, base ?? null, delta, g2.order, 0, delta.length);
    expect(merged?.count).toBe(1);
    expect(merged?.reasons[0]).toBe(4);
    expect(merged?.revokedSec[0]).toBe(5000);
    expect(merged?.invalSec).toBeNull();
    const gone = new EntryBuffer();
    gone.add(5, 8, 0, Number.NaN);
    const g3 = gone.groupByChunk(12);
    expect(builder.build('c', 0, merged ?? null, gone, g3.order, 0, 1)).toBeNull();
  });
});

describe('ChunkBuilder on entries in ascending serial order', () => {
  /** unique serials over 4 chunks of 2^12, some with an invalidity date */
  function entries(seed: number): { serial: number; reason: number; revokedMs: number; invalMs: number }[] {
    const rnd = prng(seed);
    const out = [];
    for (let serial = 0; serial < 4 * 4096; serial++) {
      if (rnd() < 0.3)
        out.push({
          serial,
          reason: [0, 1, 3, 4, 5, 6][Math.floor(rnd() * 6)] as number,
          revokedMs: Math.floor(rnd() * 2 ** 31) * 1000,
          invalMs: rnd() < 0.1 ? Math.floor(rnd() * 2 ** 31) * 1000 : Number.NaN,
        });
    }
    return out;
  }
  function buildAll(list: ReturnType<typeof entries>): { groups: ReturnType<EntryBuffer['groupByChunk']>; chunks: (Chunk | null)[] } {
    const buffer = new EntryBuffer(16);
    for (const e of list) buffer.add(e.serial, e.reason, e.revokedMs, e.invalMs);
    const groups = buffer.groupByChunk(12);
    const builder = new ChunkBuilder(12);
    const chunks = groups.chunkNos.map((c, k) =>
      builder.build('t', c, null, buffer, groups.order, groups.starts[k] as number, groups.starts[k + 1] as number),
    );
    return { groups, chunks };
  }

  it('builds, without sorting, exactly the chunks the general path builds from the same entries shuffled', () => {
    const sorted = entries(3);
    const rnd = prng(5);
    const shuffled = [...sorted];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j] as (typeof shuffled)[number], shuffled[i] as (typeof shuffled)[number]];
    }
    const fast = buildAll(sorted);
    const general = buildAll(shuffled);
    expect(fast.groups.order).toBeNull();
    expect(general.groups.order).not.toBeNull();
    expect(fast.groups.chunkNos).toEqual([0, 1, 2, 3]);
    expect(general.groups.chunkNos).toEqual(fast.groups.chunkNos);
    expect(fast.chunks.some((c) => c?.invalSec !== null)).toBe(true);
    fast.chunks.forEach((c, k) => {
      const g = general.chunks[k];
      expect(c?.count).toBe(g?.count);
      expect(c?.listed).toEqual(g?.listed);
      expect(c?.reasons).toEqual(g?.reasons);
      expect(c?.revokedSec).toEqual(g?.revokedSec);
      expect(c?.invalSec).toEqual(g?.invalSec);
    });
  });

  it('takes the general path for a repeated serial (later entry wins) and for removeFromCRL', () => {
    const repeated = new EntryBuffer(4);
    repeated.add(7, 1, 1000_000, Number.NaN);
    repeated.add(7, 5, 2000_000, Number.NaN);
    expect(repeated.ascending).toBe(false);
    const g = repeated.groupByChunk(12);
    const chunk = new ChunkBuilder(12).build('t', 0, null, repeated, g.order, 0, repeated.length);
    expect(chunk?.count).toBe(1);
    expect(chunk?.reasons[0]).toBe(5);
    const removal = new EntryBuffer(4);
    removal.add(3, 1, 1000_000, Number.NaN);
    removal.add(9, 8, 1000_000, Number.NaN);
    expect(removal.ascending).toBe(true);
    const r = removal.groupByChunk(12);
    const only = new ChunkBuilder(12).build('t', 0, null, removal, r.order, 0, removal.length);
    expect(only?.count).toBe(1);
    expect(only?.isListed(3)).toBe(true);
    expect(only?.isListed(9)).toBe(false);
  });
});
