/**
 * The Redis writer lock: SET NX PX with a value naming its holder ("<host>|<pid>|<token>"), released and extended only by its
 * holder (compare-and-delete, compare-and-pexpire). The holder extends it every third of its TTL while its task runs, so a long
 * import keeps it and a killed holder loses it within one TTL — or at once, when the waiter runs on the same host and sees that
 * the holder's pid is gone (a killed `watch run` must not stall the next one).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '@jpki-validator/store';
import { WatchError } from '../errors.js';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withRedisLock<T>(
  redis: RedisClient,
  key: string,
  options: { ttlMs: number; timeoutMs: number },
  task: () => Promise<T>,
): Promise<T> {
  const host = hostname();
  const value = `${host}|${process.pid}|${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + options.timeoutMs;
  let delayMs = 5;
  while ((await redis.set(key, value, 'PX', options.ttlMs, 'NX')) !== 'OK') {
    const holder = await redis.get(key);
    const [holderHost, holderPid] = (holder ?? '').split('|');
    if (holder !== null && holderHost === host && Number(holderPid) !== process.pid && !pidAlive(Number(holderPid))) {
      await redis.eval(RELEASE, 1, key, holder);
      continue;
    }
    if (Date.now() > deadline)
      throw new WatchError(
        'WATCH_LOCK_TIMEOUT',
        `could not take the watch lock ${key} within ${options.timeoutMs} ms (held by ${holder ?? 'nobody'})`,
      );
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 200);
  }
  const heartbeat = setInterval(
    () => {
      redis.eval(EXTEND, 1, key, value, options.ttlMs).catch(() => undefined);
    },
    Math.max(1000, Math.floor(options.ttlMs / 3)),
  );
  heartbeat.unref();
  try {
    return await task();
  } finally {
    clearInterval(heartbeat);
    await redis.eval(RELEASE, 1, key, value);
  }
}
