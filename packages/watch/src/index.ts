export * from './types.js';
export { WatchError, WatchRowError, WebhookError, type WatchErrorCode } from './errors.js';
export { ChunkedBitmap } from './chunked-bitmap.js';
export { watchEventId, batchId, expiryCaId } from './event-id.js';
export { detectRevocations, type DetectedRevocation, type DetectInput } from './detect.js';
export { planUpsert, rotateCustomer, importWatchList, parseHexSerial, type RotateOptions, type UpsertPlan } from './watch-list.js';
export { parseWatchRow, createIssuerResolver, type IssuerEntry } from './rows.js';
export { matchesFilter } from './event-filter.js';
export { runWatchPass, type PassOptions, type PassReport, type WatchSinkConfig } from './pass.js';
export { writeEventsFile, writeEventLines, eventsFileName } from './events-file.js';
export {
  signatureHeader,
  verifySignature,
  deliverBatch,
  secretFor,
  type WebhookBatch,
  type WebhookQueue,
  type DeliverOptions,
} from './webhook.js';
export { EmbeddedWatchRepository, openEmbeddedWatch, type EmbeddedWatchOptions } from './embedded/embedded-repo.js';
export { WebhookOutbox, type DeliveryReport } from './embedded/outbox.js';
export { RedisWatchRepository, createRedisWatch, type RedisWatchOptions } from './redis/redis-repo.js';
export { createWatchKeys, type WatchKeys, type WatchCaKeys } from './redis/keys.js';
