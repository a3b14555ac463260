export * from './types.js';
export * from './errors.js';
export { CaSnapshot, type EntrySlot } from './core/snapshot.js';
export { RevocationSet } from './core/revocation-set.js';
export { BITMAP_SERIAL_LIMIT, BITMAP_SERIAL_LIMIT_BIG, inBitmapRange } from './core/bitmap-range.js';
export {
  EmbeddedRevocationStore,
  openEmbeddedStore,
  DEFAULT_CHUNK_BITS,
  HIGH_WATER_FILE,
  type EmbeddedStoreOptions,
} from './embedded/embedded-store.js';
export { CrlHighWater, type HighWaterMark } from './files/crl-high-water.js';
export { RedisRevocationStore, createRedisStore, type RedisStoreOptions, type IdentityReport } from './redis/redis-store.js';
export { RedisReplica, startRedisReplica, type RedisReplicaOptions } from './redis/redis-replica.js';
export { createStoreKeys, type StoreKeys, type CaKeys } from './redis/keys.js';
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
  quitOrCut,
  type RedisClient,
  type ClusterUrl,
} from './redis/connection.js';
