export { loadConfig, ConfigError, parseApiKeys, API_SCOPES } from './load.js';
export type { Config, AuditConfig, ApiKeyConfig, ApiScope, IssuerConfig, WatchSink, LoadConfigOptions } from './load.js';
export { resolvePartitions, partitionNameOf, crlSlot, type PartitionConfig, type CrlsConfig } from './partitions.js';
export { DEFAULT_FETCH_TUNING } from './defaults.js';
export { JPKI_PROFILE, BUILT_IN_PROFILES, createMeaningResolver } from './profile.js';
export type { MeaningMap } from './profile.js';
export { parseIntervalMs, looksLikeCron } from './duration.js';
