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
    expect(() => new Chunk('t', 3, { listed, reasons: new Uint8Array(1), revokedSec: new Uint32Array(2), invalSec: null })).toThrow(/chunk 3 \(t\): 2 listed bits but 1 reasons/);
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
