/** Redis-only behaviour: the in-memory replica, one run per partition, pending keys that expire, bytes per entry in Redis. */
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
  /** the run key holding a partition's entries now */
  const runKeyOf = async (partition: string): Promise<string> => {
    const json = (await redis.hget(store.keys.ca(CA).partitions, partition)) ?? '{}';
    return store.keys.ca(CA).run((JSON.parse(json) as { loadId: string }).loadId);
  };
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

  it('the replica answers from memory and takes a switch in place, reading only the partition that switched', async () => {
    await load(store, opts(1n, 'p1'), [1, 2 ** 16 + 1], 1);
    await load(store, opts(1n, 'p2'), [5, 2 ** 17 + 5], 2);
    const replicaStore = createRedisStore({ redis: 'redis://127.0.0.1:6379', prefix, chunkBits: 16 });
    const replica = await new RedisReplica(replicaStore).start();
    try {
      const first = replica.snapshot(CA);
      expect(first?.generation).toBe(2);
      expect(first?.lookup(1n)?.reasonCode).toBe(1);
      const p2Run = await runKeyOf('p2');
      // if the catch-up read p2's run, it could not: it is gone
      await redis.rename(p2Run, `${prefix}:hidden`);
      const swapped = new Promise<SwitchEvent>((resolve) => replica.subscribe(resolve));
      await load(store, opts(2n, 'p1'), [3], 4);
      expect((await swapped).generation).toBe(3);
      const second = replica.snapshot(CA);
      expect(second).not.toBe(first);
      // one merged set, changed in place: no copy of the CA per switch
      expect(second?.set).toBe(first?.set);
      expect(second?.lookup(3n)?.reasonCode).toBe(4);
      expect(second?.lookup(BigInt(2 ** 17 + 5))?.reasonCode).toBe(2);
      expect((await replica.lookup(CA, BigInt(2 ** 16 + 1))).entry?.reasonCode).toBe(1);
      await redis.rename(`${prefix}:hidden`, p2Run);
    } finally {
      await replica.close();
      await replicaStore.close();
    }
  });

  it('a burst of switches costs fewer replica reloads than events; each event is emitted once a copy holding it is in place', async () => {
    await load(store, opts(1n, 'p0'), [1], 1);
    const replicaStore = createRedisStore({ redis: 'redis://127.0.0.1:6379', prefix, chunkBits: 16 });
    const replica = await new RedisReplica(replicaStore).start();
    let reloads = 0;
    const loadSnapshot = replicaStore.loadSnapshot.bind(replicaStore);
    replicaStore.loadSnapshot = (caId) => {
      reloads++;
      return loadSnapshot(caId);
    };
    try {
      const seen: number[] = [];
      const all = new Promise<void>((resolve) =>
        replica.subscribe((event) => {
          // the copy in place when the event is emitted holds that event's switch
          expect(replica.snapshot(CA)?.generation).toBeGreaterThanOrEqual(event.generation);
          seen.push(event.generation);
          if (seen.length === 40) resolve();
        }),
      );
      await Promise.all(Array.from({ length: 40 }, (_, i) => load(store, opts(1n, `p${i + 1}`), [101 + i], 1)));
      await all;
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
      expect(replica.snapshot(CA)?.generation).toBe(41);
      expect(replica.snapshot(CA)?.lookup(140n)?.reasonCode).toBe(1);
      expect(reloads).toBeLessThan(40);
    } finally {
      await replica.close();
      await replicaStore.close();
    }
  });

  it("a switch rewrites its partition's run only; the run it replaces is deleted; nothing keeps a TTL", async () => {
    await load(store, opts(1n, 'p1'), [5, 2 ** 16 + 5], 1);
    await load(store, opts(7n, 'p2'), [9, 2 ** 20 + 9], 3);
    const runsBefore = (await keysUnder(redis, prefix)).filter((k) => k.includes(':run:')).sort();
    expect(runsBefore).toHaveLength(2);
    const p2Key = await runKeyOf('p2');
    const p2Bytes = await redis.getBuffer(p2Key);
    await load(store, opts(2n, 'p1'), [6], 3);
    const runsAfter = (await keysUnder(redis, prefix)).filter((k) => k.includes(':run:')).sort();
    expect(runsAfter).toHaveLength(2);
    expect(runsAfter).toContain(p2Key);
    expect(await redis.getBuffer(p2Key)).toEqual(p2Bytes);
    // p1's new run holds its earlier entries too (revocation is final) and the new one
    expect((await store.lookup(CA, 5n)).entry?.reasonCode).toBe(1);
    expect((await store.lookup(CA, 6n)).entry?.reasonCode).toBe(3);
    for (const k of await keysUnder(redis, prefix)) expect(await redis.pttl(k)).toBe(-1);
  });

  it('a load in progress is only keys with a TTL: a writer killed mid-commit leaves nothing that lasts', async () => {
    const loader = await store.beginLoad(opts(1n));
    for (let i = 0; i < 2_000_000; i++) loader.add(i * 10, 1, T0, Number.NaN);
    const committing = loader.commit();
    const caKeys = store.keys.ca(CA);
    let observed = 0;
    const watcher = new Redis('redis://127.0.0.1:6379');
    try {
      // watch the keys appear; until the switch every one of them must carry a TTL
      for (let round = 0; round < 4000 && observed === 0; round++) {
        const pending = (await keysUnder(watcher, prefix)).filter((k) => k.includes(':run:') || k.includes(':chg:'));
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
    // a 9 MB run with a 1 ms TTL: past one command, so it is written piece by piece before the switch is sent (a smaller run
    // shares the switch's pipeline, and Redis may run both within the millisecond); expired by the time a piece or the switch
    // checks it
    for (let i = 0; i < 1_000_000; i++) loader.add(i * 20, 1, T0, Number.NaN);
    await expect(loader.commit()).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await store.lookup(CA, 20n)).loaded).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it('Redis holds at most 12 bytes per entry, metadata included (serials spread over 27 bits, 16 partitions)', async () => {
    const n = 200_000;
    const partitions = 16;
    const before = (await store.redis.memory('STATS')) as unknown[];
    const usedBefore = Number(before[before.indexOf('total.allocated') + 1]);
    let seed = 7;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const byPartition: number[][] = Array.from({ length: partitions }, () => []);
    const serials = new Set<number>();
    while (serials.size < n) serials.add(next() & (2 ** 27 - 1));
    for (const s of serials) (byPartition[s % partitions] as number[]).push(s);
    for (const [i, list] of byPartition.entries()) await load(store, opts(1n, `p${i}`), list, 4);
    const after = (await store.redis.memory('STATS')) as unknown[];
    const usedAfter = Number(after[after.indexOf('total.allocated') + 1]);
    expect((usedAfter - usedBefore) / n).toBeLessThan(12);
  });
});
