import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisStore } from '../src/redis/redis-store.js';
import type { RevocationStore } from '../src/types.js';
import { keysUnder } from './redis-helpers.js';
import { runStoreCases } from './store.cases.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

runStoreCases('redis', async () => {
  const prefix = `test-store-${randomBytes(6).toString('hex')}`;
  const redis = new Redis(REDIS_URL);
  const opened: RevocationStore[] = [];
  const open = (): RevocationStore => {
    const s = createRedisStore({ redis: REDIS_URL, prefix });
    opened.push(s);
    return s;
  };
  const store = open();
  return {
    store,
    another: async () => open(),
    residue: async () => (await keysUnder(redis, prefix)).length,
    storedBytes: async () => {
      let n = 0;
      for (const k of await keysUnder(redis, prefix)) n += (await redis.memory('USAGE', k)) ?? 0;
      return n;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      const keys = await keysUnder(redis, prefix);
      if (keys.length > 0) await redis.unlink(...keys);
      await redis.quit();
    },
  };
});
