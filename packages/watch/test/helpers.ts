import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisStore, openEmbeddedStore, type CaSnapshot, type RevocationStore } from '@jpki-validator/store';
import { createMeaningResolver, JPKI_PROFILE } from '@jpki-validator/config';
import { createRedisWatch, openEmbeddedWatch, type WatchRepository, type WatchRepositoryOptions } from '../src/index.js';
import { CLUSTER_URL, keysUnder, openCluster, randomPrefix, startCluster, unlinkKeys } from '../../../test/cluster/cluster-helpers.js';

export const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
export const meaning = createMeaningResolver(JPKI_PROFILE);

export interface Backend {
  store: RevocationStore;
  snapshot(caId: string): Promise<CaSnapshot | null>;
  /** a repository on the same state (a second one after `reopen` simulates a restart) */
  openRepo(options?: WatchRepositoryOptions): Promise<WatchRepository>;
  close(): Promise<void>;
}

/** Each test gets its own state: a fresh data directory, or a random key prefix on the real Redis (removed afterwards). */
export const BACKENDS: Record<string, () => Promise<Backend>> = {
  embedded: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jv-watch-'));
    const store = await openEmbeddedStore({ dataDir: join(dir, 'store'), chunkBits: 12, watch: false });
    const repos: WatchRepository[] = [];
    return {
      store,
      snapshot: async (caId) => store.snapshot(caId),
      async openRepo(options: WatchRepositoryOptions = {}) {
        const repo = await openEmbeddedWatch({ dir: join(dir, 'watch'), ...options });
        repos.push(repo);
        return repo;
      },
      async close() {
        for (const r of repos) await r.close();
        await store.close();
      },
    };
  },
  redis: async () => {
    const prefix = `jvtest-watch-${randomBytes(6).toString('hex')}`;
    const store = createRedisStore({ redis: REDIS_URL, prefix, chunkBits: 12 });
    const repos: WatchRepository[] = [];
    return {
      store,
      snapshot: (caId) => store.loadSnapshot(caId),
      async openRepo(options: WatchRepositoryOptions = {}) {
        const repo = createRedisWatch({ redis: REDIS_URL, prefix, ...options });
        repos.push(repo);
        return repo;
      },
      async close() {
        for (const r of repos) await r.close();
        await store.close();
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      },
    };
  },
  // The same suite on a real 3-master Redis Cluster (test/cluster/start-cluster.sh, ports 7101-7103).
  cluster: async () => {
    await startCluster();
    const prefix = randomPrefix('watch');
    const store = createRedisStore({ redis: CLUSTER_URL, prefix, chunkBits: 12 });
    const repos: WatchRepository[] = [];
    return {
      store,
      snapshot: (caId) => store.loadSnapshot(caId),
      async openRepo(options: WatchRepositoryOptions = {}) {
        const repo = createRedisWatch({ redis: CLUSTER_URL, prefix, ...options });
        repos.push(repo);
        return repo;
      },
      async close() {
        for (const r of repos) await r.close();
        await store.close();
        const cluster = openCluster();
        await unlinkKeys(cluster, await keysUnder(cluster, prefix));
        await cluster.quit();
      },
    };
  },
};

/** Loads one full CRL generation straight into the store: [serial, reason code, revokedAt seconds]. */
export async function loadGeneration(
  store: RevocationStore,
  caId: string,
  crlNumber: bigint,
  entries: readonly [number, number][],
  partition = 'full',
): Promise<void> {
  const t = Date.UTC(2026, 0, 1) + Number(crlNumber) * 86_400_000;
  const loader = await store.beginLoad({ caId, partition, source: 'test' });
  for (const [serial, reason] of entries) loader.add(serial, reason, t - 3_600_000, Number.NaN);
  await loader.commit({ crlNumber, thisUpdateMs: t, nextUpdateMs: t + 86_400_000, isDelta: false });
}
