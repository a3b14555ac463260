export * from './types.js';
export { WatchError, WatchRowError, WebhookError, WatchDataUnavailableError, type WatchErrorCode } from './errors.js';
export { watchEventId, expiryCaId } from './event-id.js';
export { createIssuerResolver, type IssuerEntry, type IssuerResolver } from './issuers.js';
export type { CertificateKind, IssuerTableEntry } from './list/issuer-table.js';
export { importWatchCsv, importWatchList, type CsvImportReport } from './watch-list.js';
export { matchesFilter } from './event-filter.js';
export { runWatchPass, deliverOwed, type PassOptions, type PassReport } from './pass.js';
export { sinkKey, type WatchSinkConfig, type DeliveryOutcome } from './delivery.js';
export { eventsFileName } from './events-file.js';
export {
  signatureHeader,
  verifySignature,
  deliverBatch,
  secretFor,
  type WebhookBatch,
  type WebhookQueue,
  type DeliverOptions,
} from './webhook.js';
export {
  WatchRepository,
  type WatchRepositoryOptions,
  type ImportReport,
  type WatchRow,
  type RotateOptions,
  type RotateReport,
} from './watch-repository.js';
export { openEmbeddedWatch, createRedisWatch, type EmbeddedWatchOptions, type RedisWatchOptions } from './open-watch.js';
export { WebhookOutbox, type DeliveryReport } from './embedded/outbox.js';
export { createWatchKeys, type WatchKeys } from './redis/keys.js';
export { WatchCsvReader, type WatchRowCallback } from './csv/watch-csv-reader.js';
export { passRecordOf } from './pass-record.js';
