/** Redis-only behaviour: the in-memory replica, copy-on-write chunk keys, set algebra keys, pending keys that expire. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisReplica } from '../src/redis/redis-replica.js';
import { createRedisStore, type RedisRevocationStore } from '../src/redis/redis-store.js';
import type { LoadOptions, SwitchEvent } from '../src/types.js';
import { keysUnder } from './redis-helpers.js';

const T0 = Date.UTC(2026, 0, 1);
const CA = 'jpki-auth-2023';

function opts(crlNumber: bigint, partition = 'p1'): LoadOptions {
  return { caId: CA, partition, crlNumber, thisUpdateMs: T0, nextUpdateMs: T0 + 86_400_000, isDelta: false, source: 'test' };
}

async function load(store: RedisRevocationStore, o: LoadOptions, serials: number[], reason: number): Promise<void> {
  const loader = await store.beginLoad(o);
  for (const s of serials) loader.add(s, reason, T0, Number.NaN);
  await loader.commit();
}

describe('redis store specifics', () => {
  let prefix: string;
  let redis: Redis;
  let store: RedisRevocationStore;
  beforeEach(() => {
    prefix = `test-store-${randomBytes(6).toString('hex')}`;
    redis = new Redis('redis://127.0.0.1:6379');
    store = createRedisStore({ redis, prefix, chunkBits: 16 });
  });
  afterEach(async () => {
    await store.close();
    const keys = await keysUnder(redis, prefix);
    if (keys.length > 0) await redis.unlink(...keys);
    await redis.quit();
  });

  it('the replica answers from memory and swaps in a new generation on the switch event', async () => {
    await load(store, opts(1n), [1, 2 ** 16 + 1], 1);
    const replicaStore = createRedisStore({ redis: 'redis://127.0.0.1:6379', prefix, chunkBits: 16 });
    const replica = await new RedisReplica(replicaStore).start();
    try {
      const first = replica.snapshot(CA);
      expect(first?.generation).toBe(1);
      expect(first?.lookup(1n)?.reasonCode).toBe(1);
      const swapped = new Promise<SwitchEvent>((resolve) => replica.subscribe(resolve));
      await load(store, opts(2n), [3], 4);
      expect((await swapped).generation).toBe(2);
      const second = replica.snapshot(CA);
      expect(second?.lookup(3n)?.reasonCode).toBe(4);
      // the untouched chunk is the same object: only the rewritten chunk was fetched
      expect(second?.chunks.get(1)).toBe(first?.chunks.get(1));
      expect(second?.chunks.get(0)).not.toBe(first?.chunks.get(0));
      expect((await replica.lookup(CA, BigInt(2 ** 16 + 1))).entry?.reasonCode).toBe(1);
    } finally {
      await replica.close();
      await replicaStore.close();
    }
  });

  it('a generation keeps untouched chunk keys; the generation before the previous one is deleted', async () => {
    await load(store, opts(1n), [5, 2 ** 16 + 5], 1);
    const g1 = await store.chunkKeys(CA, 'current');
    await load(store, opts(2n), [6], 3);
    const g2 = await store.chunkKeys(CA, 'current');
    expect(g2.get(1)?.listed).toBe(g1.get(1)?.listed);
    expect(g2.get(0)?.listed).not.toBe(g1.get(0)?.listed);
    expect((await store.chunkKeys(CA, 'previous')).get(0)?.listed).toBe(g1.get(0)?.listed);
    await load(store, opts(3n), [7], 3);
    // generation 1's own chunk 0 is gone; its chunk 1 is still shared by generation 3
    expect(await redis.exists(g1.get(0)?.listed ?? '')).toBe(0);
    expect(await redis.exists(g1.get(1)?.listed ?? '')).toBe(1);
    // reason bitmaps answer set algebra on the server: serials 6 and 7 are affiliationChanged in chunk 0
    const r3 = (await store.chunkKeys(CA, 'current')).get(0)?.reason(3) ?? '';
    expect(await redis.bitcount(r3)).toBe(2);
    expect(await redis.getbit(r3, 7)).toBe(1);
    // no key is left with a TTL (pending keys were made persistent by the switch)
    for (const k of await keysUnder(redis, prefix)) expect(await redis.pttl(k)).toBe(-1);
  });

  it('a load in progress is only keys with a TTL: a writer killed mid-commit leaves nothing that lasts', async () => {
    const loader = await store.beginLoad(opts(1n));
    for (let i = 0; i < 400_000; i++) loader.add(i * 10, 1, T0, Number.NaN);
    const committing = loader.commit();
    const caKeys = store.keys.ca(CA);
    let observed = 0;
    const watcher = new Redis('redis://127.0.0.1:6379');
    try {
      // watch the keys appear; until the switch every one of them must carry a TTL
      for (let round = 0; round < 2000 && observed === 0; round++) {
        const pending = (await keysUnder(watcher, prefix)).filter((k) => k.includes(':k:'));
        if (pending.length === 0) continue;
        const multi = watcher.multi().exists(caKeys.current);
        for (const k of pending) multi.pttl(k);
        const replies = (await multi.exec()) ?? [];
        if (replies[0]?.[1] === 1) break;
        for (const [, ttl] of replies.slice(1)) expect(ttl).toBeGreaterThan(0);
        observed = pending.length;
      }
    } finally {
      await watcher.quit();
    }
    await committing;
    expect(observed).toBeGreaterThan(0);
    for (const k of await keysUnder(redis, prefix)) expect(await redis.pttl(k)).toBe(-1);
  });

  it('a load whose pending keys expired before the switch never becomes visible', async () => {
    const fragile = createRedisStore({ redis, prefix, chunkBits: 16, pendingTtlMs: 1, maxCommitAttempts: 1 });
    const loader = await fragile.beginLoad(opts(1n));
    // 64 chunks in 8 pipeline rounds: the first round's keys are long expired when the switch checks them
    for (let i = 0; i < 200_000; i++) loader.add(i * 20, 1, T0, Number.NaN);
    await expect(loader.commit()).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await store.lookup(CA, 20n)).loaded).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it('used_memory stays within 16 bytes per entry on top of the bitmaps', async () => {
    const n = 100_000;
    const before = (await store.redis.memory('STATS')) as unknown[];
    const usedBefore = Number(before[before.indexOf('total.allocated') + 1]);
    await load(
      store,
      opts(1n),
      Array.from({ length: n }, (_, i) => i * 3),
      1,
    );
    const after = (await store.redis.memory('STATS')) as unknown[];
    const usedAfter = Number(after[after.indexOf('total.allocated') + 1]);
    // bitmaps: listed + the one reason used, over 3n serials
    const bitmapBytes = 2 * ((3 * n) / 8);
    expect((usedAfter - usedBefore - bitmapBytes) / n).toBeLessThan(16);
  });
});
