export * from './types.js';
export * from './errors.js';
export { CaSnapshot, diffSnapshots, type EntrySlot } from './core/snapshot.js';
export { BITMAP_SERIAL_LIMIT, REMOVE_FROM_CRL } from './core/entry-buffer.js';
export { EmbeddedRevocationStore, openEmbeddedStore, DEFAULT_CHUNK_BITS, type EmbeddedStoreOptions } from './embedded/embedded-store.js';
export { RedisRevocationStore, createRedisStore, type RedisStoreOptions } from './redis/redis-store.js';
export { RedisReplica, startRedisReplica } from './redis/redis-replica.js';
export { createStoreKeys, REASON_CODES, type StoreKeys, type CaKeys, type ChunkKeys } from './redis/keys.js';
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
