export { loadConfig, ConfigError, parseApiKeys, API_SCOPES } from './load.js';
export type { Config, ApiKeyConfig, ApiScope, IssuerConfig, PartitionConfig, WatchSink, LoadConfigOptions } from './load.js';
export { JPKI_PROFILE, BUILT_IN_PROFILES, createMeaningResolver } from './profile.js';
export type { MeaningMap } from './profile.js';
export { parseIntervalMs, looksLikeCron } from './duration.js';
