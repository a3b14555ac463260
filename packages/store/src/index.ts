export * from './types.js';
export * from './errors.js';
export { CaSnapshot, diffSnapshots, type EntrySlot } from './core/snapshot.js';
export { BITMAP_SERIAL_LIMIT, BITMAP_SERIAL_LIMIT_BIG, inBitmapRange } from './core/bitmap-range.js';
export { EmbeddedRevocationStore, openEmbeddedStore, DEFAULT_CHUNK_BITS, type EmbeddedStoreOptions } from './embedded/embedded-store.js';
export { RedisRevocationStore, createRedisStore, type RedisStoreOptions } from './redis/redis-store.js';
export { RedisReplica, startRedisReplica } from './redis/redis-replica.js';
export { createStoreKeys, type StoreKeys, type CaKeys, type ChunkKeys } from './redis/keys.js';
export {
  acquireRedisLock,
  tryAcquireRedisLock,
  type HeldRedisLock,
  type RedisLockOptions,
  type WaitForRedisLockOptions,
} from './redis/redis-lock.js';
export {
  openRedis,
  isClusterUrl,
  parseClusterUrl,
  bullConnection,
  bullPrefix,
  closeBullConnection,
  type RedisClient,
  type ClusterUrl,
} from './redis/connection.js';
