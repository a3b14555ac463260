export { loadConfig, ConfigError, parseApiKeys, API_SCOPES, CARD_POLICIES } from './load.js';
export type {
  Config,
  AuditConfig,
  ApiKeyConfig,
  ApiScope,
  IssuerConfig,
  WatchSink,
  LoadConfigOptions,
  Medium,
  ProfileConfig,
} from './load.js';
export { resolvePartitions, partitionNameOf, crlSlot, type PartitionConfig, type CrlsConfig } from './partitions.js';
export { DEFAULT_FETCH_TUNING } from './defaults.js';
/** the config file's schemas: docs/config.md is rendered from them */
export { configSchema, issuerSchema, issuerPresetSchema } from './schema.js';
export {
  JPKI_PROFILE,
  BUILT_IN_PROFILES,
  BUILT_IN_LABELS,
  createMeaningResolver,
  mergeLabels,
  pickLabelLanguage,
} from './profile.js';
export type { MeaningMap, MeaningLabels } from './profile.js';
export { JPKI_SHIPPED_CAS, TRUST_ANCHORS_DIR, type ShippedCa } from './preset.js';
export { parseIntervalMs, looksLikeCron } from './duration.js';
export { issuerKind, type IssuerKind } from './issuer-kind.js';
