/**
 * One loader per CRL scope across every worker process: a Redis lock per (CA, partition), taken with SET NX PX and a random
 * token, renewed while the load runs and released by compare-and-delete (lua/releaseLock-1.lua).
 *
 * Why not BullMQ alone: job ids and deduplication stop a second job being ADDED, not two jobs for one scope from RUNNING — the
 * scheduler's job, the nextUpdate job and a manual run are different jobs — and group concurrency is a BullMQ Pro feature.
 * The store's switch script would still refuse the second of two racing commits, but only after both had fetched and built a
 * whole generation; the lock spares that work and keeps the metrics honest (one load, not one load and one conflict).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from '@jpki-validator/store';
import type { FetcherKeys } from './keys.js';

interface LockCommands {
  releaseLock(key: string, token: string): Promise<number>;
  extendLock(key: string, token: string, ttlMs: number): Promise<number>;
}

const script = (file: string): string => readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');

function withLockCommands(redis: RedisClient): RedisClient & LockCommands {
  if (!('releaseLock' in redis)) redis.defineCommand('releaseLock', { lua: script('releaseLock-1.lua'), numberOfKeys: 1 });
  if (!('extendLock' in redis)) redis.defineCommand('extendLock', { lua: script('extendLock-1.lua'), numberOfKeys: 1 });
  return redis as RedisClient & LockCommands;
}

export interface HeldLock {
  /** aborted when a renewal finds the lock gone (expired or taken): the holder must stop before it commits */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

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
  const redis = withLockCommands(options.redis);
  const { ttlMs } = options;
  return {
    async tryAcquire(caId, partition) {
      const key = options.keys.lock(caId, partition);
      const token = randomBytes(16).toString('hex');
      const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
      if (ok !== 'OK') return null;
      const lost = new AbortController();
      const renew = setInterval(
        () => {
          redis.extendLock(key, token, ttlMs).then(
            (renewed) => {
              if (renewed !== 1) lost.abort(new Error(`partition lock ${key} was lost`));
            },
            (error: unknown) => options.onRenewFailure?.(error),
          );
        },
        Math.max(1, Math.floor(ttlMs / 3)),
      );
      renew.unref();
      return {
        signal: lost.signal,
        async release() {
          clearInterval(renew);
          await redis.releaseLock(key, token);
        },
      };
    },
  };
}
