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
export { type OpsRoom, type OpsWrite, DAYS_KEPT } from './ops/ops-room.js';
export { FileOpsRoom } from './ops/file-ops-room.js';
export { RedisOpsRoom } from './ops/redis-ops-room.js';
export { jstDay, jstDaysBetween } from './ops/jst-day.js';
export {
  OpsHistory,
  OPS_CAPS,
  type CrlLoadRecord,
  type WatchPassRecord,
  type DeliveryRecord,
  type OcspCountsRecord,
  type DayCounts,
  type Page,
} from './ops/ops-history.js';
export { settledWithin, withinMs } from './redis/within-ms.js';
