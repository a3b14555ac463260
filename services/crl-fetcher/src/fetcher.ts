/**
 * The fetcher process, assembled: store, targets, metrics, the queue worker (with REDIS_URL) or the in-process scheduler
 * (embedded store), and the admin HTTP server. `main.ts` and `jpki-validator fetch` / `start` call `startFetcher`.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Config } from '@jpki-validator/config';
import { RedisRevocationStore, type RevocationStore } from '@jpki-validator/store';
import { startDataLossWatch, type DataLossWatch } from './data-loss-watch.js';
import { declarePartitions } from './declare-partitions.js';
import { DataLossFeed, openFetcherStore } from './store-open.js';
import { createAdminApp, isLoopback } from './admin-app.js';
import { TrustedCaError } from './ingest/trusted-ca.js';
import { startInProcessScheduler, type InProcessScheduler } from './in-process-scheduler.js';
import { createLogger, type Logger } from './logger.js';
import { createFetcherMetrics, type FetcherMetrics } from './metrics.js';
import { DEFAULT_FETCHER_PREFIX } from './keys.js';
import { resolveTargets } from './targets.js';
import { startFetchWorker, type FetchWorker, type FetchWorkerOptions } from './worker.js';

export const DEFAULT_ADMIN_PORT = 9464;

export interface StartFetcherOptions {
  config: Pick<Config, 'issuers' | 'redisUrl' | 'dataDir' | 'watch'>;
  logger?: Logger;
  /** an open store to load into (`start` shares one with the validator); absent: opened here from the config and closed on close */
  store?: RevocationStore;
  /** the data losses `store` reports (openFetcherStore's feed): the fetcher reloads what was lost at once */
  dataLoss?: DataLossFeed;
  /** how often the queue worker checks the store's identity for a data loss (default 10 000) */
  identityCheckMs?: number;
  /** admin server port (default 9464; 0: any free port); null: no admin server */
  adminPort?: number | null;
  /** default 127.0.0.1: the dashboard can retry and delete jobs, so it is not exposed unless asked */
  adminHost?: string;
  /**
   * the dashboard's basic-auth password (user `admin`; the CLI reads ADMIN_PASSWORD). On a non-loopback adminHost the dashboard
   * is off without one: it is never reachable from the network without authentication.
   */
  adminPassword?: string;
  /** prefix of the store's and the fetcher's Redis keys (default `jpki`) */
  keyPrefix?: string;
  /** queue tuning (attempts, lock durations, …) */
  worker?: Omit<FetchWorkerOptions, 'redisUrl' | 'store' | 'targets' | 'metrics' | 'logger' | 'keyPrefix'>;
}

export interface RunningFetcher {
  mode: 'queue' | 'in-process';
  store: RevocationStore;
  metrics: FetcherMetrics;
  /** e.g. `http://127.0.0.1:9464`, or null without an admin server */
  adminUrl: string | null;
  worker: FetchWorker | null;
  scheduler: InProcessScheduler | null;
  /** graceful: lets a running load finish (or abort cleanly), then closes the queue, the server and what was opened here */
  close(): Promise<void>;
}

export async function startFetcher(options: StartFetcherOptions): Promise<RunningFetcher> {
  const { config } = options;
  const logger = options.logger ?? createLogger();
  const { targets, problems } = await resolveTargets(config);
  if (problems.length > 0) throw new TrustedCaError(problems.map((p) => p.error.message).join('\n'));
  const keyPrefix = options.keyPrefix ?? DEFAULT_FETCHER_PREFIX;
  const ownStore = options.store === undefined;
  const opened = options.store === undefined ? await openFetcherStore(config, { logger, keyPrefix }) : null;
  const store: RevocationStore = options.store ?? (opened as NonNullable<typeof opened>).store;
  const dataLoss = options.dataLoss ?? opened?.dataLoss ?? new DataLossFeed();
  await declarePartitions(config, store, logger);
  const metrics = createFetcherMetrics({ store, scopes: targets.map((t) => ({ caId: t.ca.id, partition: t.partition.name })) });
  const timeZone = config.watch.timeZone;
  const targetsOf = (scope: 'all' | readonly string[]) => targets.filter((t) => scope === 'all' || scope.includes(t.ca.id));

  let worker: FetchWorker | null = null;
  let scheduler: InProcessScheduler | null = null;
  let identityWatch: DataLossWatch | null = null;
  const stopCounting = dataLoss.on((notice) => metrics.recordDataLoss(notice.caId));
  let stopReloading: () => void = () => undefined;
  if (config.redisUrl) {
    worker = await startFetchWorker({ timeZone, ...options.worker, redisUrl: config.redisUrl, store, targets, metrics, logger, keyPrefix });
    const running = worker;
    if (store instanceof RedisRevocationStore) {
      identityWatch = await startDataLossWatch({
        store,
        logger,
        ...(options.identityCheckMs === undefined ? {} : { everyMs: options.identityCheckMs }),
        async reload(scope) {
          await declarePartitions(config, store, logger, scope === 'all' ? undefined : scope);
          await running.syncSchedulers();
          for (const t of targetsOf(scope)) await running.runNow(t.ca.id, t.partition.name);
        },
      });
    }
  } else {
    const running = startInProcessScheduler({ store, targets, metrics, logger, timeZone });
    scheduler = running;
    stopReloading = dataLoss.on((notice) => {
      declarePartitions(config, store, logger, [notice.caId])
        .then(() => Promise.all(targetsOf([notice.caId]).map((t) => running.runNow(t.ca.id, t.partition.name))))
        .catch(() => undefined);
    });
  }

  const hostname = options.adminHost ?? '127.0.0.1';
  const dashboard = options.adminPassword ? { password: options.adminPassword } : isLoopback(hostname) ? 'open' : 'off';
  if (worker && dashboard === 'off')
    logger.warn({ adminHost: hostname }, 'job dashboard off: the admin server listens beyond loopback and no ADMIN_PASSWORD is set');
  const app = createAdminApp({ metrics, dashboard, ...(worker ? { queues: [worker.queue] } : {}) });
  let adminUrl: string | null = null;
  let server: ReturnType<typeof serve> | null = null;
  if (options.adminPort !== null) {
    server = serve({ fetch: app.fetch, port: options.adminPort ?? DEFAULT_ADMIN_PORT, hostname });
    await new Promise<void>((resolve, reject) => {
      server?.once('listening', resolve).once('error', reject);
    });
    const address = server.address() as AddressInfo;
    adminUrl = `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${address.port}`;
  }
  logger.info({ mode: worker ? 'queue' : 'in-process', partitions: targets.length, adminUrl }, 'CRL fetcher started');

  return {
    mode: worker ? 'queue' : 'in-process',
    store,
    metrics,
    adminUrl,
    worker,
    scheduler,
    async close() {
      logger.info('CRL fetcher stopping');
      identityWatch?.close();
      stopCounting();
      stopReloading();
      await worker?.close();
      await scheduler?.close();
      if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
      if (ownStore) await store.close();
      logger.info('CRL fetcher stopped');
    },
  };
}
