/**
 * A Redis lock held by one process at a time: SET NX PX with a random token, renewed every third of its time to live while the
 * holder works (lua/extendLock-1.lua), released by compare-and-delete (lua/releaseLock-1.lua). The time to live only matters
 * when the holder dies: a live holder's lock never lapses, however long its task runs. The value names its holder
 * (`<host>|<pid>|<token>`), so a waiter on the same host breaks the lock of a holder whose process is gone at once instead of
 * after a TTL (a killed `watch run` must not stall the next one). A lock is one key, so it works on a Redis Cluster too.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { processExists } from '@jpki-validator/files';
import type { RedisClient } from './connection.js';

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

/** a holder whose pid cannot be read counts as alive: its lock lapses by TTL, never by our guess */
const maybeAlive = (pid: number): boolean => !Number.isInteger(pid) || pid <= 0 || processExists(pid);

export interface HeldRedisLock {
  /** aborted when a renewal finds the lock gone (expired or taken): the holder must stop before it commits */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

export interface RedisLockOptions {
  /** time to live of a lock whose holder died (renewed every ttl/3 while held) */
  ttlMs: number;
  /** a renewal that could not reach Redis (the lock may still be held; the next renewal tries again) */
  onRenewFailure?: (error: unknown) => void;
}

export interface WaitForRedisLockOptions extends RedisLockOptions {
  /** give up after this long */
  timeoutMs: number;
  /** the error to throw on giving up: each caller's own, with its stable code */
  timeoutError: (key: string, timeoutMs: number) => Error;
}

/** The lock, or null when another process holds it. */
export async function tryAcquireRedisLock(redis: RedisClient, key: string, options: RedisLockOptions): Promise<HeldRedisLock | null> {
  const commands = withLockCommands(redis);
  const { ttlMs } = options;
  const token = `${hostname()}|${process.pid}|${randomBytes(12).toString('hex')}`;
  if ((await commands.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return null;
  const lost = new AbortController();
  const renew = setInterval(
    () => {
      commands.extendLock(key, token, ttlMs).then(
        (renewed) => {
          if (renewed !== 1) lost.abort(new Error(`lock ${key} was lost`));
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
      await commands.releaseLock(key, token);
    },
  };
}

/** The lock, waiting (backing off up to 200 ms between tries) while another process holds it. */
export async function acquireRedisLock(redis: RedisClient, key: string, options: WaitForRedisLockOptions): Promise<HeldRedisLock> {
  const deadline = Date.now() + options.timeoutMs;
  let delayMs = 5;
  for (;;) {
    const held = await tryAcquireRedisLock(redis, key, options);
    if (held !== null) return held;
    const holder = await redis.get(key);
    const [holderHost, holderPid] = (holder ?? '').split('|');
    if (holder !== null && holderHost === hostname() && Number(holderPid) !== process.pid && !maybeAlive(Number(holderPid))) {
      await withLockCommands(redis).releaseLock(key, holder);
      continue;
    }
    if (Date.now() > deadline) throw options.timeoutError(key, options.timeoutMs);
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 200);
  }
}
