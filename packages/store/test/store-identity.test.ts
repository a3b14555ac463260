/**
 * Store identity after data loss (issue 10 #3). Each Redis case runs on a private redis-server this file starts on a port of its
 * own (never the shared 6379): FLUSHALL, a restart without persistence, a switch to another, empty server. The embedded case
 * deletes a snapshot file. Each checks the two things a data loss must not do: keep a reader on its old copy while newer CRLs
 * (with new revocations) load — a wrong `good` — and let an older CRL load again because the store forgot the number it had.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../src/embedded/embedded-store.js';
import { CrlNumberReusedError, RollbackError } from '../src/errors.js';
import { startRedisReplica } from '../src/redis/redis-replica.js';
import { createRedisStore, type RedisRevocationStore } from '../src/redis/redis-store.js';
import type { DataLossNotice, LoadOptions, RevocationStore } from '../src/types.js';
import { type PrivateRedis, startPrivateRedis } from '@jpki-validator/private-redis';

const CA = 'jpki-sign-2023';
const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const AFFILIATION_CHANGED = 3;

function opts(crlNumber: bigint, contentId?: string): LoadOptions {
  return {
    caId: CA,
    partition: 'p1',
    crlNumber,
    thisUpdateMs: T0,
    nextUpdateMs: T0 + 30 * DAY,
    isDelta: false,
    source: 'test',
    ...(contentId === undefined ? {} : { contentId }),
  };
}

/** one full CRL of partition p1 listing `serials` */
async function load(store: RevocationStore, o: LoadOptions, serials: number[]): Promise<void> {
  const loader = await store.beginLoad(o);
  for (const s of serials) loader.add(s, AFFILIATION_CHANGED, T0, Number.NaN);
  await loader.commit();
}

/** retries while the connection is being re-established after a kill or restart */
async function loadWhenUp(store: RevocationStore, o: LoadOptions, serials: number[]): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await load(store, o, serials);
    } catch (e) {
      if (i > 50 || e instanceof RollbackError) throw e;
      await sleep(100);
    }
  }
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(25);
  }
}

/**
 * What Redis holds under `prefix` now, to put back later (a replica promoted before it had the later writes, a restore from
 * older data): the returned function replaces every key of the prefix with the saved ones.
 */
async function savedState(admin: Redis, prefix: string): Promise<() => Promise<void>> {
  const keys = await admin.keys(`${prefix}:*`);
  const saved = await Promise.all(keys.map(async (k) => [k, await admin.dumpBuffer(k), await admin.pttl(k)] as const));
  return async () => {
    for (const k of await admin.keys(`${prefix}:*`)) await admin.del(k);
    for (const [k, dump, ttl] of saved) await admin.restore(k, Math.max(ttl, 0), dump, 'REPLACE');
  };
}

describe('store identity on Redis (private redis-server)', () => {
  let redis: PrivateRedis;
  let dataDir: string;
  let prefix: string;
  const open: { close(): Promise<void> }[] = [];
  const writerLosses: DataLossNotice[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jpki-identity-'));
    prefix = `identity-${randomBytes(4).toString('hex')}`;
    writerLosses.length = 0;
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function writer(url = redis.url): RedisRevocationStore {
    const s = createRedisStore({
      redis: url,
      prefix,
      highWaterFile: join(dataDir, 'crl-high-water.json'),
      onDataLoss: (n) => writerLosses.push(n),
      redisOptions: { maxRetriesPerRequest: 1 },
    });
    s.redis.on('error', () => undefined);
    open.push(s);
    return s;
  }

  async function replicaOf(url = redis.url) {
    const readerStore = createRedisStore({ redis: url, prefix, redisOptions: { maxRetriesPerRequest: 1 } });
    readerStore.redis.on('error', () => undefined);
    const losses: DataLossNotice[] = [];
    const replica = await startRedisReplica(readerStore, { onDataLoss: (n) => losses.push(n), verifyMs: 100 });
    open.push(readerStore, replica);
    return { replica, losses };
  }

  it('a read that hangs (a frozen Redis) is given up: later reloads and checks are not queued behind it for good', async () => {
    const w = writer();
    await load(w, opts(1n), [1]);
    const readerStore = createRedisStore({ redis: redis.url, prefix, readWaitMs: 300, redisOptions: { maxRetriesPerRequest: 1 } });
    readerStore.redis.on('error', () => undefined);
    const replica = await startRedisReplica(readerStore, { verifyMs: 0, redisWaitMs: 400 });
    open.push(readerStore, replica);
    redis.freeze();
    // thawed later whatever happens: without the bound the reload would wait for this and succeed, failing the expectation
    const thaw = setTimeout(() => redis.thaw(), 4_000);
    try {
      await expect(replica.reload(CA)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(replica.verify()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      clearTimeout(thaw);
      redis.thaw();
    }
    // Redis lost its data meanwhile and was loaded again: the next reload takes the new epoch with its new revocation
    const admin = new Redis(redis.url);
    await admin.flushall();
    await admin.quit();
    await loadWhenUp(w, opts(2n), [1, 7]);
    await until('the replica answers serial 7 revoked', async () => {
      await replica.verify().catch(() => undefined);
      return replica.snapshot(CA)?.lookup(7n) !== null;
    });
  });

  it("a copy that disagrees with Redis's partitions at the same generation is rebuilt from Redis and reported (the audit)", async () => {
    const w = writer();
    await load(w, opts(1n), [1]);
    const readerStore = createRedisStore({ redis: redis.url, prefix, redisOptions: { maxRetriesPerRequest: 1 } });
    readerStore.redis.on('error', () => undefined);
    const errors: unknown[] = [];
    const replica = await startRedisReplica(readerStore, { verifyMs: 0, auditEvery: 1, onError: (e) => errors.push(e) });
    open.push(readerStore, replica);
    expect(replica.snapshot(CA)?.partitions[0]?.crlNumber).toBe(1n);
    // Redis's partition now says another CRL at the generation the copy holds: what a copy that reached Redis's generation
    // without its data looks like from outside (written straight into Redis: no switch, no event, no generation moved)
    const admin = new Redis(redis.url);
    const parts = readerStore.keys.ca(CA).partitions;
    const meta = JSON.parse((await admin.hget(parts, 'p1')) ?? '{}') as { crlNumber: string };
    await admin.hset(parts, 'p1', JSON.stringify({ ...meta, crlNumber: '7' }));
    await admin.quit();
    await replica.verify();
    expect(replica.snapshot(CA)?.partitions[0]?.crlNumber).toBe(7n);
    expect(replica.snapshot(CA)?.lookup(1n)).not.toBeNull();
    expect(errors.map(String).join('\n')).toMatch(/disagrees with Redis's partitions \(generation 1\); rebuilt from Redis/);
    // and a copy that agrees is left alone
    errors.length = 0;
    const before = replica.snapshot(CA);
    await replica.verify();
    expect(replica.snapshot(CA)).toBe(before);
    expect(errors).toEqual([]);
  });

  it('Redis back at an older generation of the same epoch (lost writes): the copy keeps what Redis lost, then takes what Redis loads anew', async () => {
    const w = writer();
    await load(w, opts(1n), [1]);
    await load(w, opts(2n), [1, 2]);
    // what Redis holds at generation 2, to put back later: a replica promoted before it had generation 3, or a restore
    const admin = new Redis(redis.url);
    const restore = await savedState(admin, prefix);
    await load(w, opts(3n), [1, 2, 3]);
    const { replica, losses } = await replicaOf();
    expect(replica.snapshot(CA)?.generation).toBe(3);
    const epoch = replica.snapshot(CA)?.epoch;

    await restore();
    expect(await w.identity(CA)).toMatchObject({ epoch, generation: 2 });
    // the copy is ahead of Redis: kept (serial 3 stays revoked: no wrong good from a lost write), and the loss is said
    await until('the replica reports Redis behind', () => losses.some((n) => /went back to generation 2/.test(n.detail)));
    expect(replica.snapshot(CA)?.lookup(3n)).not.toBeNull();

    // the CA's next CRL lands as generation 3 again — other content under a generation number the copy already has
    await load(w, opts(4n), [1, 2, 3, 4]);
    expect(await w.identity(CA)).toMatchObject({ epoch, generation: 3 });
    await until('the replica answers serial 4 revoked', () => replica.snapshot(CA)?.lookup(4n) !== null);
    expect(replica.snapshot(CA)?.partitions[0]?.crlNumber).toBe(4n);
    await admin.quit();
  });

  it('a plain reader (the watch job, check --redis) is not fooled by generation numbers Redis counts again after losing writes', async () => {
    const w = writer();
    await load(w, opts(1n), [1]);
    await load(w, opts(2n), [1, 2]);
    const admin = new Redis(redis.url);
    const restore = await savedState(admin, prefix);
    await load(w, opts(3n), [1, 2, 3]);
    const reader = createRedisStore({ redis: redis.url, prefix, redisOptions: { maxRetriesPerRequest: 1 } });
    reader.redis.on('error', () => undefined);
    open.push(reader);
    expect((await reader.lookup(CA, 3n)).generation).toBe(3);

    // Redis back at generation 2: the reader keeps what Redis lost (serial 3 stays revoked)
    await restore();
    expect((await reader.lookup(CA, 3n)).entry).not.toBeNull();
    // the next CRL lands as generation 3 again, with serial 4: the same number, other content
    await load(w, opts(4n), [1, 2, 3, 4]);
    expect(await w.identity(CA)).toMatchObject({ generation: 3 });
    const after = await reader.lookup(CA, 4n);
    expect(after.entry).not.toBeNull();
    expect(after.partitions[0]?.crlNumber).toBe(4n);

    // behind again, further: the reader holds generation 4 (CRL 5); Redis goes back to generation 2 and then loads CRL 6 as
    // generation 3 — still below the reader's number, but newer than anything it holds: taken at once
    await load(w, opts(5n), [1, 2, 3, 4, 5]);
    expect((await reader.lookup(CA, 5n)).generation).toBe(4);
    await restore();
    expect((await reader.lookup(CA, 5n)).entry).not.toBeNull();
    await load(w, opts(6n), [1, 2, 3, 4, 5, 6]);
    expect(await w.identity(CA)).toMatchObject({ generation: 3 });
    const behind = await reader.lookup(CA, 6n);
    expect(behind.entry).not.toBeNull();
    expect(behind.partitions[0]?.crlNumber).toBe(6n);
    await admin.quit();
  });

  it('a replica at the generation number Redis counted again with other content reconciles at its next check, not at the audit', async () => {
    const w = writer();
    await load(w, opts(1n), [1]);
    const admin = new Redis(redis.url);
    const restore = await savedState(admin, prefix);
    await load(w, opts(2n), [1, 2]);
    const readerStore = createRedisStore({ redis: redis.url, prefix, redisOptions: { maxRetriesPerRequest: 1 } });
    readerStore.redis.on('error', () => undefined);
    // no switch events (the subscription is the replica's own; the restore and the load below happen while it checks by hand)
    const replica = await startRedisReplica(readerStore, { verifyMs: 0, auditEvery: 0 });
    open.push(readerStore, replica);
    expect(replica.snapshot(CA)?.generation).toBe(2);
    await restore();
    await admin.quit();
    await load(w, opts(3n), [1, 3]);
    expect(await w.identity(CA)).toMatchObject({ generation: 2 });
    await until('the replica answers serial 3 revoked', async () => {
      await replica.verify();
      return replica.snapshot(CA)?.lookup(3n) !== null;
    });
    expect(replica.snapshot(CA)?.partitions[0]?.crlNumber).toBe(3n);
  });

  it('FLUSHALL: a replica holding generation 3 takes the new epoch and its new revocations (no wrong good)', async () => {
    const w = writer();
    await w.declarePartitions(CA, ['p1']);
    await load(w, opts(1n), [1]);
    await load(w, opts(2n), [1, 2]);
    await load(w, opts(3n), [1, 2, 3]);
    const { replica, losses } = await replicaOf();
    const before = replica.snapshot(CA);
    expect(before?.generation).toBe(3);

    const admin = new Redis(redis.url);
    await admin.flushall();
    await admin.quit();
    // the declared partition set went with the data: no reader may take what is loaded now as complete
    expect(await w.expectedPartitions(CA)).toBeNull();
    // the CA's next CRL revokes serial 5: Redis now counts generations from 1 again
    await load(w, opts(4n), [1, 2, 3, 5]);
    await until('the replica answers serial 5 revoked', () => replica.snapshot(CA)?.lookup(5n) !== null);
    expect(writerLosses.map((n) => [n.caId, n.previousEpoch, n.currentEpoch])).toEqual([[CA, before?.epoch, null]]);
    const after = replica.snapshot(CA);
    expect(after?.generation).toBe(1);
    expect(after?.epoch).not.toBe(before?.epoch);
    expect(after?.lookup(1n)?.reasonCode).toBe(AFFILIATION_CHANGED);
    expect(losses).toHaveLength(1);
    expect(losses[0]).toMatchObject({ caId: CA, previousEpoch: before?.epoch });
    // flushed again: the store forgot CRL 4, the high-water record did not
    const again = new Redis(redis.url);
    await again.flushall();
    await again.quit();
    await expect(load(w, opts(3n), [1, 2, 3])).rejects.toMatchObject({ code: 'ROLLBACK', against: 'high-water' });
  });

  it('a restart without persistence: the copy keeps answering while Redis is empty, then the new epoch replaces it', async () => {
    const w = writer();
    await load(w, opts(1n), [1]);
    await load(w, opts(2n), [1, 2]);
    const { replica, losses } = await replicaOf();
    const held = replica.snapshot(CA);
    expect(held?.generation).toBe(2);

    await redis.restart();
    // Redis is back, empty: the replica notices (resubscription, identity check) and keeps its copy — the same data
    await until('the replica reports the loss', () => losses.length === 1);
    expect(losses[0]).toMatchObject({ caId: CA, previousEpoch: held?.epoch, currentEpoch: null });
    expect(replica.snapshot(CA)).toBe(held);
    expect(replica.snapshot(CA)?.lookup(2n)).not.toBeNull();

    await loadWhenUp(w, opts(3n), [1, 2, 7]);
    await until('the replica answers serial 7 revoked', () => replica.snapshot(CA)?.lookup(7n) !== null);
    expect(replica.snapshot(CA)?.generation).toBe(1);
    expect(losses).toHaveLength(1);
  });

  it('a switch to an empty server: an older CRL is refused against the local record, the same one reloads', async () => {
    const first = writer();
    await load(first, opts(4n, 'crl-4'), [1]);
    await load(first, opts(5n, 'crl-5'), [1, 2]);
    await redis.kill();
    const other = await startPrivateRedis();
    open.push({ close: () => other.stop() });
    try {
      const w = writer(other.url);
      const report = await w.checkIdentity();
      expect(report.lost.map((n) => [n.caId, n.currentEpoch])).toEqual([[CA, null]]);
      // CRL 4 is still validly signed and within its nextUpdate: without the record it would load into the empty server
      const rollback = load(w, opts(4n, 'crl-4'), [1]);
      await expect(rollback).rejects.toBeInstanceOf(RollbackError);
      await expect(rollback).rejects.toMatchObject({ loadedCrlNumber: 5n, offeredCrlNumber: 4n, against: 'high-water' });
      // CRL 5 under other content: a forgery or a CA fault, refused
      await expect(load(w, opts(5n, 'other-bytes'), [1])).rejects.toBeInstanceOf(CrlNumberReusedError);
      // CRL 5 itself is what the empty store needs
      await load(w, opts(5n, 'crl-5'), [1, 2]);
      expect((await w.lookup(CA, 2n)).entry?.reasonCode).toBe(AFFILIATION_CHANGED);
      expect((await w.checkIdentity()).lost).toEqual([]);
    } finally {
      await redis.restart();
    }
  });
});

describe('store identity on the embedded store', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jpki-identity-embedded-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a deleted snapshot: a reader on generation 2 takes the new epoch; an older CRL is refused', async () => {
    const writerA = await openEmbeddedStore({ dataDir });
    const losses: DataLossNotice[] = [];
    const reader = await openEmbeddedStore({ dataDir, onDataLoss: (n) => losses.push(n) });
    try {
      await load(writerA, opts(4n), [1]);
      await load(writerA, opts(5n), [1, 2]);
      await until('the reader holds generation 2', () => reader.snapshot(CA)?.generation === 2);
      const oldEpoch = reader.snapshot(CA)?.epoch;
      await writerA.close();
      await rm(join(dataDir, 'cas', CA), { recursive: true });

      // a process with no copy in memory starts on the data directory: the store is empty, the record is not
      const writerB = await openEmbeddedStore({ dataDir, watch: false });
      try {
        await expect(load(writerB, opts(4n), [1])).rejects.toMatchObject({ code: 'ROLLBACK', against: 'high-water' });
        await load(writerB, opts(6n), [1, 2, 9]);
        expect(writerB.snapshot(CA)?.generation).toBe(1);
      } finally {
        await writerB.close();
      }
      await until('the reader answers serial 9 revoked', () => reader.snapshot(CA)?.lookup(9n) !== null);
      expect(reader.snapshot(CA)?.epoch).not.toBe(oldEpoch);
      expect(losses.map((n) => n.previousEpoch)).toEqual([oldEpoch]);
    } finally {
      await reader.close();
    }
  });
});
