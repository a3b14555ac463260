/** The watch list on each backend: the same repository over the embedded files, Redis (or a Redis Cluster), or memory. */
import { FileJournalBackend } from './embedded/file-backend.js';
import { MemoryJournalBackend } from './journal/memory-backend.js';
import { RedisJournalBackend, type RedisBackendOptions } from './redis/redis-backend.js';
import { WatchRepository, type WatchRepositoryOptions } from './watch-repository.js';

export interface EmbeddedWatchOptions extends WatchRepositoryOptions {
  /** where the watch list lives (e.g. `<dataDir>/watch`); absent: memory only */
  dir?: string;
  lockTimeoutMs?: number;
}

export async function openEmbeddedWatch(options: EmbeddedWatchOptions = {}): Promise<WatchRepository> {
  if (options.dir === undefined) return new WatchRepository(new MemoryJournalBackend(), options);
  const backend = await new FileJournalBackend({
    dir: options.dir,
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
  }).init();
  return new WatchRepository(backend, options);
}

export type RedisWatchOptions = RedisBackendOptions & WatchRepositoryOptions;

export function createRedisWatch(options: RedisWatchOptions): WatchRepository {
  return new WatchRepository(new RedisJournalBackend(options), options);
}
