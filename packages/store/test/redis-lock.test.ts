/** The one Redis lock (src/redis/redis-lock.ts): exclusive, renewed while held however long the task, lost when taken away. */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireRedisLock, tryAcquireRedisLock } from '../src/redis/redis-lock.js';

const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

describe('redis lock', () => {
  let redis: Redis;
  let key: string;
  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    key = `test-lock-${randomBytes(6).toString('hex')}`;
  });
  afterEach(async () => {
    await redis.del(key);
    await redis.quit();
  });

  it('stays held past its time to live while the holder works (renewed), and passes on at release', async () => {
    const held = await tryAcquireRedisLock(redis, key, { ttlMs: 150 });
    expect(held).not.toBeNull();
    // four times the time to live: a lock that were not renewed would have lapsed three times over
    for (let i = 0; i < 6; i++) {
      await sleep(100);
      expect(await tryAcquireRedisLock(redis, key, { ttlMs: 150 })).toBeNull();
    }
    expect(held?.signal.aborted).toBe(false);
    await held?.release();
    const next = await tryAcquireRedisLock(redis, key, { ttlMs: 150 });
    expect(next).not.toBeNull();
    await next?.release();
  });

  it('waits for the holder, and gives up with the caller’s error', async () => {
    const held = await tryAcquireRedisLock(redis, key, { ttlMs: 1000 });
    const timeoutError = (k: string, ms: number) => Object.assign(new Error(`${k} busy for ${ms} ms`), { code: 'BUSY' });
    await expect(acquireRedisLock(redis, key, { ttlMs: 1000, timeoutMs: 80, timeoutError })).rejects.toMatchObject({ code: 'BUSY' });
    const waiting = acquireRedisLock(redis, key, { ttlMs: 1000, timeoutMs: 2000, timeoutError });
    await sleep(50);
    await held?.release();
    await (await waiting).release();
  });

  it('tells the holder when the lock was taken from it, and its release leaves the new holder alone', async () => {
    const held = await tryAcquireRedisLock(redis, key, { ttlMs: 90 });
    await redis.set(key, 'another holder');
    await sleep(120);
    expect(held?.signal.aborted).toBe(true);
    await held?.release();
    expect(await redis.get(key)).toBe('another holder');
  });
});
