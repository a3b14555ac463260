/** A Redis writer lock (SET NX PX with a token; released only by its holder, through a compare-and-delete script). */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '@jpki-validator/store';
import { WatchError } from '../errors.js';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export async function withRedisLock<T>(
  redis: RedisClient,
  key: string,
  options: { ttlMs: number; timeoutMs: number },
  task: () => Promise<T>,
): Promise<T> {
  const token = randomBytes(8).toString('hex');
  const deadline = Date.now() + options.timeoutMs;
  let delayMs = 5;
  while ((await redis.set(key, token, 'PX', options.ttlMs, 'NX')) !== 'OK') {
    if (Date.now() > deadline)
      throw new WatchError('WATCH_LOCK_TIMEOUT', `could not take the watch lock ${key} within ${options.timeoutMs} ms`);
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 200);
  }
  try {
    return await task();
  } finally {
    await redis.eval(RELEASE, 1, key, token);
  }
}
