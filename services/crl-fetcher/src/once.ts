/**
 * The lean entry for `jpki-validator fetch --once` and other one-shot callers: no BullMQ, Hono or bull-board imports
 * (CLI start-up time is dominated by eager imports). `@jpki-validator/crl-fetcher/once`.
 */
export { fetchOnce, FETCH_EXIT, type FetchOnceOptions, type FetchOnceResult } from './run-once.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export type { PartitionReport } from './partition-run.js';
export { openFetcherStore, DataLossFeed, type FetcherStore, type OpenFetcherStoreOptions } from './store-open.js';
