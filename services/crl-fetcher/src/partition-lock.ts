/**
 * One loader per CRL scope across every worker process: a Redis lock per (CA, partition) (the store's renewing lock), held while
 * the load runs.
 *
 * Why not BullMQ alone: job ids and deduplication stop a second job being ADDED, not two jobs for one scope from RUNNING — the
 * scheduler's job, the nextUpdate job and a manual run are different jobs — and group concurrency is a BullMQ Pro feature.
 * The store's switch script would still refuse the second of two racing commits, but only after both had fetched and built a
 * whole generation; the lock spares that work and keeps the metrics honest (one load, not one load and one conflict).
 */
import { type HeldRedisLock, type RedisClient, tryAcquireRedisLock } from '@jpki-validator/store';
import type { FetcherKeys } from './keys.js';

export type HeldLock = HeldRedisLock;

export interface PartitionLocks {
  /** the lock, or null when another worker holds it */
  tryAcquire(caId: string, partition: string): Promise<HeldLock | null>;
}

export interface PartitionLockOptions {
  /** one node or a Redis Cluster: a lock is one key (`{caId}`-tagged), so either works */
  redis: RedisClient;
  keys: FetcherKeys;
  /** time to live of a lock whose holder died (renewed every ttl/3 while alive) */
  ttlMs: number;
  onRenewFailure?: (error: unknown) => void;
}

export function createPartitionLocks(options: PartitionLockOptions): PartitionLocks {
  const { redis, keys, ...lock } = options;
  return {
    tryAcquire: (caId, partition) => tryAcquireRedisLock(redis, keys.lock(caId, partition), lock),
  };
}
