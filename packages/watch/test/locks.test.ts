/** The watch list's writer locks: the shared lock file (embedded) and the shared renewing Redis lock. */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { FileJournalBackend } from '../src/embedded/file-backend.js';
import { RedisJournalBackend } from '../src/redis/redis-backend.js';
import { REDIS_URL } from './helpers.js';

describe('watch locks', () => {
  it('embedded: an empty lock file left by a process killed between create and write does not block for ever', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jv-watch-lock-'));
    try {
      await mkdir(join(dir, 'watch'));
      const lock = join(dir, 'watch', 'writer.lock');
      await writeFile(lock, '');
      const old = new Date(Date.now() - 60_000);
      await utimes(lock, old, old);
      const backend = await new FileJournalBackend({ dir: join(dir, 'watch'), lockTimeoutMs: 1_000 }).init();
      expect(await backend.withLock(async () => 'ran')).toBe('ran');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('redis: a pass longer than the lock’s time to live keeps the lock (renewed); the next one gets it after', async () => {
    const prefix = `jvtest-watch-lock-${randomBytes(6).toString('hex')}`;
    const first = new RedisJournalBackend({ redis: REDIS_URL, prefix, lockTtlMs: 150 });
    const second = new RedisJournalBackend({ redis: REDIS_URL, prefix, lockTtlMs: 150, lockTimeoutMs: 300 });
    try {
      const long = first.withLock(async () => {
        await sleep(900);
        return 'first done';
      });
      await sleep(100);
      // six times the time to live passes while the second waits: it never gets in
      await expect(second.withLock(async () => 'second ran')).rejects.toMatchObject({ code: 'WATCH_LOCK_TIMEOUT' });
      await expect(second.withLock(async () => 'second ran')).rejects.toMatchObject({ code: 'WATCH_LOCK_TIMEOUT' });
      expect(await long).toBe('first done');
      expect(await second.withLock(async () => 'second ran')).toBe('second ran');
    } finally {
      await first.close();
      await second.close();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });
});
