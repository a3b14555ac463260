/**
 * A redis-server of the benchmark's own (@jpki-validator/private-redis), with a client, emptied between runs and stopped at the
 * end: the shared Redis on 6379 is never flushed (other tests and benchmarks use it), and a run's memory figure is the benchmark's alone.
 */
import { startPrivateRedis as startServer } from '@jpki-validator/private-redis';
import { Redis } from 'ioredis';

export { freePort } from '@jpki-validator/private-redis';

export interface PrivateRedis {
  url: string;
  client: Redis;
  /** INFO memory's used_memory, in bytes */
  usedMemory(): Promise<number>;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const server = await startServer();
  const client = new Redis(server.url);
  await client.ping();
  return {
    url: server.url,
    client,
    async usedMemory() {
      const info = await client.info('memory');
      return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
    },
    async flush() {
      await client.flushdb();
    },
    async stop() {
      await client.quit().catch(() => undefined);
      await server.stop();
    },
  };
}
