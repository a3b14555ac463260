/**
 * The death-detection job hosted by a process that loads CRLs (`jpki-validator fetch` and `start`): on REDIS_URL the BullMQ
 * watcher (a job scheduler on the watch cron, one pass job per switch, the webhook delivery worker), so M fetcher processes share
 * one schedule and run each pass once; without Redis the in-process runner beside the embedded store. The watch list is the one
 * the `watch …` commands use: Redis keys under the store's prefix, or `<dataDir>/watch/`.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '@jpki-validator/config';
import {
  bullConnection,
  bullPrefix,
  closeBullConnection,
  EmbeddedRevocationStore,
  OpsHistory,
  RedisRevocationStore,
  type CaSnapshot,
  type RevocationStore,
} from '@jpki-validator/store';
import {
  createRedisWatch,
  openEmbeddedWatch,
  passRecordOf,
  WebhookOutbox,
  type DeliveryReport,
  type PassReport,
} from '@jpki-validator/watch';
import { formatTime } from '@jpki-validator/x509';
import { startEmbeddedWatchRunner, type EmbeddedWatchRunner } from './embedded-runner.js';
import { createWatcher, type Watcher } from './watcher.js';
import { createWatchMetrics, type WatchMetrics } from './metrics.js';

export interface StartWatchJobOptions {
  config: Pick<Config, 'watch' | 'dataDir' | 'redisUrl' | 'profile'> & { issuers?: Config['issuers'] };
  /** the store the CRLs are loaded into (its switches trigger passes; its generations are what a pass reads) */
  store: RevocationStore;
  logger: Logger;
  /** the store's Redis key prefix, which the watch list shares (default `jpki`) */
  keyPrefix?: string;
  /** BullMQ key prefix (default BullMQ's `bull`, as `watch run` uses); tests use a random one */
  bullPrefix?: string;
  /** embedded: between delivery rounds of the webhook outbox (default 60 s) */
  retryIntervalMs?: number;
  /** Redis: first retry delay of a webhook batch (default 1 s, doubling, capped at 10 min) */
  backoffBaseMs?: number;
  onPass?: (report: PassReport) => void;
  onDelivery?: (report: DeliveryReport) => void;
}

export interface RunningWatchJob {
  mode: 'queue' | 'in-process';
  /** queue mode */
  watcher: Watcher | null;
  /** in-process mode */
  runner: EmbeddedWatchRunner | null;
  /** counted from every pass; the hosting process serves its registry */
  metrics: WatchMetrics;
  close(): Promise<void>;
}

/** `cron 0 9 * * * Asia/Tokyo` or `every 3600000 ms`, for start-up lines */
export function describeWatchSchedule(watch: Pick<Config['watch'], 'schedule' | 'timeZone'>): string {
  return 'cron' in watch.schedule ? `cron ${watch.schedule.cron} ${watch.timeZone}` : `every ${watch.schedule.intervalMs} ms`;
}

/** How a pass reads a CA's current generation from either store. */
export function snapshotReader(store: RevocationStore): (caId: string) => Promise<CaSnapshot | null> {
  if (store instanceof EmbeddedRevocationStore) return async (caId) => store.snapshot(caId);
  if (store instanceof RedisRevocationStore) return (caId) => store.loadSnapshot(caId);
  throw new TypeError('the watch job needs the embedded or the Redis revocation store');
}

export async function startWatchJob(options: StartWatchJobOptions): Promise<RunningWatchJob> {
  const { config, store, logger } = options;
  const snapshot = snapshotReader(store);
  const sinks = config.watch.sinks;
  const watchLogger = logger.child({ component: 'watch' });
  const history = recordInHistory(store, watchLogger, options.retryIntervalMs ?? 60_000, config.redisUrl === null);
  const metrics = createWatchMetrics();
  // what a pass needs in either mode
  const pass = {
    store,
    snapshot,
    meaning: config.profile.meaning,
    mediumOf: mediumOfConfig(config),
    schedule: config.watch.schedule,
    timeZone: config.watch.timeZone,
    sinks,
    logger: watchLogger,
    onPass: (report: PassReport) => {
      metrics.recordPass(report);
      history.pass(report);
      options.onPass?.(report);
    },
    onDelivery: (report: DeliveryReport) => {
      history.delivery(report);
      options.onDelivery?.(report);
    },
  };

  if (config.redisUrl !== null) {
    const repo = createRedisWatch({ redis: config.redisUrl, prefix: options.keyPrefix ?? 'jpki' });
    // switches published before the subscription is active would not trigger a pass
    if (store instanceof RedisRevocationStore) await store.subscribed();
    // On a cluster BullMQ needs a Cluster connection and a hash-tagged prefix (store/redis/connection.ts).
    const connection = bullConnection(config.redisUrl);
    const bullKeyPrefix = bullPrefix(config.redisUrl, options.bullPrefix ?? 'bull');
    const watcher = createWatcher({
      connection,
      ...(bullKeyPrefix === 'bull' ? {} : { prefix: bullKeyPrefix }),
      ...pass,
      repo,
      ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
    });
    try {
      await watcher.start();
    } catch (error) {
      await watcher.close().catch(() => undefined);
      await repo.close();
      await closeBullConnection(connection);
      throw error;
    }
    watchLogger.info(
      { mode: 'queue', schedule: config.watch.schedule, timeZone: config.watch.timeZone, sinks: sinks.length },
      'watch job started',
    );
    return {
      mode: 'queue',
      watcher,
      runner: null,
      metrics,
      async close() {
        await watcher.close();
        await repo.close();
        await closeBullConnection(connection);
      },
    };
  }

  const watchDir = join(config.dataDir, 'watch');
  const repo = await openEmbeddedWatch({ dir: watchDir });
  const runner = startEmbeddedWatchRunner({
    ...pass,
    repo,
    outbox: new WebhookOutbox(join(watchDir, 'outbox')),
    ...(options.retryIntervalMs === undefined ? {} : { retryIntervalMs: options.retryIntervalMs }),
  });
  watchLogger.info(
    { mode: 'in-process', schedule: config.watch.schedule, timeZone: config.watch.timeZone, sinks: sinks.length },
    'watch job started',
  );
  return {
    mode: 'in-process',
    watcher: null,
    runner,
    metrics,
    async close() {
      await runner.close();
      await repo.close();
    },
  };
}

/**
 * Passes and delivery rounds into the console's history (the store's ops room), off the pass's path: a failure to record is
 * logged and forgotten.
 */
function recordInHistory(store: RevocationStore, logger: Logger, retryIntervalMs: number, outbox: boolean) {
  const history = new OpsHistory(store.ops);
  const warn = (error: unknown): void => logger.warn({ err: error }, 'could not record in the ops history');
  return {
    pass(report: PassReport): void {
      history.recordPass(passRecordOf(report)).catch(warn);
    },
    delivery(report: DeliveryReport): void {
      // an outbox round with nothing to do is not worth a line
      if (report.delivered === 0 && report.pending === 0 && report.errors.length === 0) return;
      const now = Date.now();
      history
        .recordDelivery({
          at: formatTime(new Date(now)),
          delivered: report.delivered,
          pending: report.pending,
          failed: report.errors.length,
          errors: report.errors.slice(0, 10),
          nextRetryAt: report.pending > 0 && outbox ? formatTime(new Date(now + retryIntervalMs)) : null,
        })
        .catch(warn);
    },
  };
}

/** the configured medium of each CA id (absent from the config: null) */
function mediumOfConfig(config: { issuers?: Config['issuers'] }): (caId: string) => 'card' | 'smartphone' | null {
  const media = new Map((config.issuers ?? []).map((i) => [i.id, i.medium ?? 'card']));
  return (caId) => media.get(caId) ?? null;
}
