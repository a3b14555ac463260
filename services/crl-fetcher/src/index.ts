export { ingestCrl, type IngestOptions, type IngestResult } from './ingest/load-crl.js';
export { loadTrustedCa, TrustedCaError, type TrustedCa } from './ingest/trusted-ca.js';
export { readFetchState, writeFetchState, type FetchState } from './ingest/fetch-state.js';
export {
  createSource,
  createHttpSource,
  createFileSource,
  type CrlSource,
  type FetchOutcome,
  type SourceValidators,
} from './sources/index.js';
export { FetcherError, CrlRejectedError, type FetcherErrorCode } from './errors.js';
export { createLogger, runLogger, type Logger, type LoggerOptions } from './logger.js';
export { createFetcherMetrics, type FetcherMetrics, type FetcherMetricsOptions, type LoadOutcomeLabel } from './metrics.js';
export { resolveTargets, type PartitionTarget, type ResolvedTargets } from './targets.js';
export { runPartition, type PartitionReport, type PartitionRun, type RunPartitionDeps } from './partition-run.js';
export { fetchOnce, FETCH_EXIT, type FetchOnceOptions, type FetchOnceResult } from './run-once.js';
export {
  refreshPartitions,
  runPartitionWithRetries,
  tuningOf,
  byCa,
  type RefreshDeps,
  type RefreshTuning,
  type HeldPartition,
} from './ca-refresh.js';
export { slotScopeOf } from './ingest/slot-scope.js';
export { startInProcessScheduler, type InProcessScheduler, type InProcessSchedulerOptions } from './in-process-scheduler.js';
export { nextRefreshMs, nextUpdateRunMs, DEFAULT_NEXT_UPDATE_OFFSET_MS, DEFAULT_CRON_TIME_ZONE } from './schedule.js';
export { createPartitionLocks, type PartitionLocks, type HeldLock, type PartitionLockOptions } from './partition-lock.js';
export {
  createFetcherKeys,
  QUEUE_NAME,
  DEFAULT_BULL_PREFIX,
  DEFAULT_FETCHER_PREFIX,
  schedulerId,
  nextUpdateJobId,
  type FetcherKeys,
} from './keys.js';
export { syncJobSchedulers, addNextUpdateJob, type FetchJobData, type SchedulerSync } from './schedulers.js';
export { startFetchWorker, type FetchWorker, type FetchWorkerOptions, type FetchJobResult, type CaRefreshResult } from './worker.js';
export { createAdminApp, DASHBOARD_PATH, type AdminAppOptions } from './admin-app.js';
export { startFetcher, DEFAULT_ADMIN_PORT, type StartFetcherOptions, type RunningFetcher } from './fetcher.js';
export { waitForSignal } from './shutdown.js';
export { openFetcherStore, DataLossFeed, type FetcherStore, type OpenFetcherStoreOptions } from './store-open.js';
export { startDataLossWatch, type DataLossWatch, type DataLossWatchOptions } from './data-loss-watch.js';
