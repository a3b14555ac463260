/** The watch list's writer lock in Redis: the store's renewing lock (one Redis lock for the product), giving up as WATCH_LOCK_TIMEOUT. */
import { acquireRedisLock, type RedisClient } from '@jpki-validator/store';
import { WatchError } from '../errors.js';

export async function withRedisLock<T>(
  redis: RedisClient,
  key: string,
  options: { ttlMs: number; timeoutMs: number },
  task: () => Promise<T>,
): Promise<T> {
  const lock = await acquireRedisLock(redis, key, {
    ...options,
    timeoutError: (k, ms) => new WatchError('WATCH_LOCK_TIMEOUT', `could not take the watch lock ${k} within ${ms} ms`),
  });
  try {
    return await task();
  } finally {
    await lock.release();
  }
}
