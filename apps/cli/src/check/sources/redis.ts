/**
 * `check --redis URL`: the live store. Each CA's current generation is read once at the start into memory (the Redis replica's
 * snapshot form) and the whole run answers from it: one consistent generation per report, and no round trip per row. A Redis that
 * does not answer is exit 3 (data unavailable).
 */
import type { PartitionConfig } from '@jpki-validator/config';
import { createRedisStore, openRedis, type CaSnapshot, type RedisRevocationStore } from '@jpki-validator/store';
import type { CaRegistry } from '@jpki-validator/status';
import { DataUnavailableError } from '../errors.js';

const CONNECT_TIMEOUT_MS = 5000;

export interface RedisLoad {
  store: RedisRevocationStore;
  snapshots: Map<string, CaSnapshot>;
  /**
   * per CA id: its complete partition set as its fetcher declared it in the store (used when the config lists none, e.g. with
   * --ca). Empty when none was declared: then no bare serial of the CA is `good` — the partitions the store happens to hold are
   * not known to be all of them.
   */
  partitions: Map<string, PartitionConfig[]>;
  /** what the user should know (a CA whose partition set the store does not record) */
  notes: string[];
  close(): Promise<void>;
}

export async function loadRedisSnapshots(url: string, prefix: string | undefined, registry: CaRegistry): Promise<RedisLoad> {
  // A cluster URL (`redis+cluster://h1:p1,h2:p2`) opens a Cluster; retries are off either way so a dead Redis fails fast (exit 3).
  const redis = openRedis(
    url,
    { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 1, retryStrategy: () => null },
    { lazyConnect: true, clusterRetryStrategy: () => null },
  );
  redis.on('error', () => undefined); // reported through the failing command below
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new DataUnavailableError(`Redis ${url} is unavailable: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const store = createRedisStore({ redis, ...(prefix === undefined ? {} : { prefix }) });
  const close = async () => {
    await store.close();
    redis.disconnect();
  };
  try {
    const snapshots = new Map<string, CaSnapshot>();
    const partitions = new Map<string, PartitionConfig[]>();
    const notes: string[] = [];
    for (const ca of registry.cas) {
      const snapshot = await store.loadSnapshot(ca.id);
      if (snapshot === null) continue;
      snapshots.set(ca.id, snapshot);
      const expected = await store.expectedPartitions(ca.id);
      if (expected === null) {
        notes.push(
          `${ca.id}: the store does not record which partitions this CA has (declared by a fetcher since this version), so no serial is good without a --config listing them`,
        );
      }
      const sourceOf = new Map(snapshot.partitions.map((p) => [p.partition, p.source]));
      partitions.set(
        ca.id,
        (expected ?? []).map(
          (name): PartitionConfig => ({ name, source: sourceOf.get(name) ?? '', scope: 'partition', uris: [], dirNames: [] }),
        ),
      );
    }
    return { store, snapshots, partitions, notes, close };
  } catch (error) {
    await close();
    throw new DataUnavailableError(`Redis ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
