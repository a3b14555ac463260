/**
 * The store a fetcher loads into, opened the one way every fetcher entry point (`fetch`, `fetch --once`, `start`) needs it:
 * - with REDIS_URL, a Redis store whose commits are checked against a CRL-number high-water record in this process's data
 *   directory (a file Redis's data loss cannot erase), failing fast with STORE_UNAVAILABLE while Redis is down;
 * - otherwise the embedded store in the data directory (its high-water record lives beside its snapshots).
 * Data losses the store notices are logged loudly and fed to whoever reloads (DataLossFeed).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '@jpki-validator/config';
import {
  createRedisStore,
  HIGH_WATER_FILE,
  openEmbeddedStore,
  type DataLossNotice,
  type EmbeddedRevocationStore,
  type RedisRevocationStore,
} from '@jpki-validator/store';
import type { Logger } from './logger.js';

/** Data losses as they are noticed; listeners attach once the parts that react (metrics, reloads) exist. */
export class DataLossFeed {
  private readonly listeners = new Set<(notice: DataLossNotice) => void>();
  readonly notices: DataLossNotice[] = [];

  emit(notice: DataLossNotice): void {
    this.notices.push(notice);
    if (this.notices.length > 64) this.notices.shift();
    for (const l of this.listeners) l(notice);
  }

  on(listener: (notice: DataLossNotice) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

export type FetcherStore =
  | { kind: 'redis'; store: RedisRevocationStore; dataLoss: DataLossFeed }
  | { kind: 'embedded'; store: EmbeddedRevocationStore; dataLoss: DataLossFeed };

export interface OpenFetcherStoreOptions {
  logger: Logger;
  /** Redis key prefix (default `jpki`) */
  keyPrefix?: string;
  /** embedded: reload when another process writes the data directory (default true) */
  watch?: boolean;
  /**
   * embedded: false for a process that writes and never answers (`fetch --once`): the store keeps partition metadata only, so
   * opening it does not read every entry of every CA and a switch does not patch a merged set nobody asks (default true)
   */
  holdEntries?: boolean;
  /** Redis: how long one command may wait on a Redis that does not answer (a frozen node) before STORE_UNAVAILABLE (default 5 000) */
  commandTimeoutMs?: number;
}

export async function openFetcherStore(
  config: Pick<Config, 'redisUrl' | 'dataDir'>,
  options: OpenFetcherStoreOptions,
): Promise<FetcherStore> {
  const { logger } = options;
  const dataLoss = new DataLossFeed();
  const onDataLoss = (notice: DataLossNotice): void => {
    logger.error(
      { caId: notice.caId, previousEpoch: notice.previousEpoch, currentEpoch: notice.currentEpoch, detail: notice.detail },
      'STORE DATA LOSS: the store no longer holds CRLs it had accepted; every partition of the CA is being reloaded',
    );
    dataLoss.emit(notice);
  };
  if (config.redisUrl) {
    await mkdir(config.dataDir, { recursive: true });
    const store = createRedisStore({
      redis: config.redisUrl,
      ...(options.keyPrefix === undefined ? {} : { prefix: options.keyPrefix }),
      highWaterFile: join(config.dataDir, HIGH_WATER_FILE),
      ...(options.commandTimeoutMs === undefined ? {} : { redisOptions: { commandTimeout: options.commandTimeoutMs } }),
      onError: (error) => logger.debug({ err: error }, 'redis store connection error'),
      onDataLoss,
    });
    return { kind: 'redis', store, dataLoss };
  }
  const store = await openEmbeddedStore({
    dataDir: config.dataDir,
    ...(options.watch === undefined ? {} : { watch: options.watch }),
    ...(options.holdEntries === undefined ? {} : { holdEntries: options.holdEntries }),
    onError: (error) => logger.error({ err: error }, 'embedded store reload failed'),
    onDataLoss,
  });
  return { kind: 'embedded', store, dataLoss };
}
