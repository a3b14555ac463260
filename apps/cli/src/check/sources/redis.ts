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
  /** per CA id: the partitions the store holds (used when the config lists none, e.g. with --ca) */
  partitions: Map<string, PartitionConfig[]>;
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
    for (const ca of registry.cas) {
      const snapshot = await store.loadSnapshot(ca.id);
      if (snapshot === null) continue;
      snapshots.set(ca.id, snapshot);
      partitions.set(
        ca.id,
        snapshot.partitions.map(
          (p): PartitionConfig => ({ name: p.partition, source: p.source, scope: 'partition', uris: [], dirNames: [] }),
        ),
      );
    }
    return { store, snapshots, partitions, close };
  } catch (error) {
    await close();
    throw new DataUnavailableError(`Redis ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
