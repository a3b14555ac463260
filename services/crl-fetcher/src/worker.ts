/**
 * The BullMQ side of the fetcher: the `crl-fetch` queue, one job scheduler per CA, and the worker. A scheduled (or nextUpdate) job
 * refreshes a whole CA — its partitions with the CA's bounded concurrency and per-partition retries, each under its partition lock
 * (ca-refresh.ts); a manual job (`runNow`) runs one partition.
 *
 * Failures: a rejected CRL or a non-retryable fetch error (4xx, too large) becomes BullMQ's UnrecoverableError — no retries;
 * anything else is thrown again and retried with exponential backoff. A worker killed mid-load leaves nothing visible (the store
 * switches only at commit) and BullMQ's stalled-job check hands the job to another worker once `lockDurationMs` has passed.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { bullConnection, bullPrefix, closeBullConnection, openRedis, type RevocationStore, settledWithin } from '@jpki-validator/store';
import { createFetcherKeys, DEFAULT_BULL_PREFIX, DEFAULT_FETCHER_PREFIX, QUEUE_NAME } from './keys.js';
import { runLogger, type Logger } from './logger.js';
import type { FetcherMetrics } from './metrics.js';
import { createPartitionLocks } from './partition-lock.js';
import { servedNextUpdate } from './next-update.js';
import { byCa, refreshPartitions, tuningOf } from './ca-refresh.js';
import { FetcherError } from './errors.js';
import { runPartition, type PartitionReport } from './partition-run.js';
import { DEFAULT_CRON_TIME_ZONE, DEFAULT_NEXT_UPDATE_OFFSET_MS, nextUpdateRunMs } from './schedule.js';
import { addNextUpdateJob, syncJobSchedulers, type FetchJobData, type FetchJobName, type SchedulerSync } from './schedulers.js';
import { scopeKey, type PartitionTarget } from './targets.js';

export interface FetchWorkerOptions {
  /** `redis://…`, or `redis+cluster://h1:p1,h2:p2` for a Redis Cluster (the BullMQ prefix then becomes a hash tag: `{jpki-bull}`) */
  redisUrl: string;
  store: RevocationStore;
  targets: readonly PartitionTarget[];
  metrics: FetcherMetrics;
  logger: Logger;
  /** BullMQ key prefix (default `jpki-bull`); tests use a random one */
  bullPrefix?: string;
  /** prefix of the fetcher's own keys, the partition locks (default `jpki`) */
  keyPrefix?: string;
  /** jobs this worker runs at once (default 1: a big CRL is CPU-bound; a CA job fetches its partitions with the CA's own concurrency) */
  concurrency?: number;
  /** tries of a retryable failure (default 5) */
  attempts?: number;
  /** first retry delay; doubles each time (default 10 s) */
  backoffMs?: number;
  /** BullMQ job lock: a job whose worker died is handed on after this (default 30 s) */
  lockDurationMs?: number;
  /** how often this worker looks for stalled jobs (default 30 s) */
  stalledIntervalMs?: number;
  /** time to live of a partition lock whose holder died (default 30 s) */
  partitionLockTtlMs?: number;
  /** a job whose partition another worker is loading waits this long and runs again (default 5 s) */
  lockBusyRetryMs?: number;
  nextUpdateOffsetMs?: number;
  timeZone?: string;
  /** upsert the job schedulers at start (default true); false for extra workers that only process */
  schedule?: boolean;
  /**
   * How long close() lets the running job finish and the connections quit before it cuts them (default 5 000): with Redis
   * down, BullMQ's close waits for a QUIT that never gets an answer.
   */
  closeGraceMs?: number;
  now?: () => number;
}

/** what a CA job reports: counts by outcome, and the partitions that did not come up to date (at most 20 named) */
export interface CaRefreshResult {
  caId: string;
  partition: null;
  outcome: 'refreshed';
  partitions: number;
  counts: Partial<Record<PartitionReport['outcome'], number>>;
  failing: { partition: string; outcome: PartitionReport['outcome']; reason: string | null }[];
}

export type FetchJobResult =
  | PartitionReport
  | CaRefreshResult
  | { caId: string; partition: string | null; outcome: 'skipped'; why: string };

const FAILING_LISTED = 20;

export interface FetchWorker {
  readonly queue: Queue<FetchJobData, FetchJobResult, FetchJobName>;
  readonly worker: Worker<FetchJobData, FetchJobResult, FetchJobName>;
  syncSchedulers(): Promise<SchedulerSync>;
  /** queues a run of one partition now (null: a refresh of every partition of the CA) */
  runNow(caId: string, partition: string | null): Promise<Job<FetchJobData, FetchJobResult, FetchJobName>>;
  close(): Promise<void>;
}

export async function startFetchWorker(options: FetchWorkerOptions): Promise<FetchWorker> {
  const now = options.now ?? Date.now;
  const prefix = bullPrefix(options.redisUrl, options.bullPrefix ?? DEFAULT_BULL_PREFIX);
  const jobOptions: JobsOptions = {
    attempts: options.attempts ?? 5,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 10_000 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 5000 },
  };
  const byScope = new Map(options.targets.map((t) => [scopeKey(t.ca.id, t.partition.name), t]));
  const caTargets = byCa(options.targets);
  // BullMQ needs maxRetriesPerRequest: null on the connections its blocking commands use; on a cluster it gets a Cluster
  // instance (shared by the queue and the worker, which duplicates it for its blocking reads) that close() quits.
  const connection = bullConnection(options.redisUrl);
  const queue = new Queue<FetchJobData, FetchJobResult, FetchJobName>(QUEUE_NAME, { connection, prefix, defaultJobOptions: jobOptions });
  // Every client gets an error listener: without one, each failed reconnect while Redis is down prints "Unhandled error event".
  queue.on('error', (error) => options.logger.debug({ err: error }, 'queue connection error'));
  const lockRedis = openRedis(options.redisUrl, { maxRetriesPerRequest: 2 });
  lockRedis.on('error', (error: unknown) => options.logger.debug({ err: error }, 'partition lock connection error'));
  if ('on' in connection) connection.on('error', (error: unknown) => options.logger.debug({ err: error }, 'queue connection error'));
  const locks = createPartitionLocks({
    redis: lockRedis,
    keys: createFetcherKeys(options.keyPrefix ?? DEFAULT_FETCHER_PREFIX),
    ttlMs: options.partitionLockTtlMs ?? 30_000,
    onRenewFailure: (error) => options.logger.warn({ err: error }, 'partition lock renewal failed'),
  });

  /** a CA job: every partition of the CA, bounded and retried inside the job; BullMQ retries the job when a partition still fails */
  async function processCa(job: Job<FetchJobData, FetchJobResult, FetchJobName>, caId: string): Promise<FetchJobResult> {
    const logger = options.logger.child({ caId, jobId: job.id });
    const targets = caTargets.get(caId);
    if (!targets) {
      logger.warn({ trigger: job.data.trigger }, 'job for a CA that is no longer configured: skipped');
      return { caId, partition: null, outcome: 'skipped', why: 'not configured' };
    }
    const reports = await refreshPartitions(
      targets,
      {
        store: options.store,
        metrics: options.metrics,
        logger: options.logger,
        now,
        // a partition another worker is loading is left to it (reported busy), not waited for
        lock: (t) => locks.tryAcquire(t.ca.id, t.partition.name),
      },
      tuningOf(targets[0] as PartitionTarget),
    );
    const counts: CaRefreshResult['counts'] = {};
    for (const r of reports) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
    const failing = reports.filter((r) => r.outcome === 'failed' || r.outcome === 'rejected');
    const result: CaRefreshResult = {
      caId,
      partition: null,
      outcome: 'refreshed',
      partitions: reports.length,
      counts,
      failing: failing.slice(0, FAILING_LISTED).map((r) => ({ partition: r.partition, outcome: r.outcome, reason: r.reason })),
    };
    logger[failing.length > 0 ? 'warn' : 'info']({ trigger: job.data.trigger, ...counts, failing: result.failing }, 'CA refresh done');
    await scheduleNextUpdate(caId, targets, logger);
    const retryable = failing.filter((r) => r.outcome === 'failed' && r.retryable !== false);
    if (retryable.length > 0) {
      // the next try fetches the CA again: the partitions already current cost a 304 each
      throw new FetcherError(
        'PARTITIONS_FAILED',
        `${retryable.length} of ${reports.length} partitions failed (${retryable[0]?.partition}: ${retryable[0]?.error ?? ''})`,
        true,
      );
    }
    const settled = reports.filter((r) => r.outcome !== 'busy');
    const first = failing[0];
    if (settled.length > 0 && failing.length === settled.length && first) {
      throw new UnrecoverableError(`${first.reason ?? 'failed'}: ${first.error ?? ''}`);
    }
    return result;
  }

  /** one CA job soon after the earliest nextUpdate still ahead among the CA's served CRLs */
  async function scheduleNextUpdate(caId: string, targets: readonly PartitionTarget[], logger: Logger): Promise<void> {
    try {
      const configured = new Set(targets.map((t) => t.partition.name));
      let earliest: number | null = null;
      for (const m of await options.store.partitions(caId)) {
        if (!configured.has(m.partition) || m.nextUpdateMs === null) continue;
        const runAt = nextUpdateRunMs(
          new Date(m.nextUpdateMs).toISOString(),
          now(),
          options.nextUpdateOffsetMs ?? DEFAULT_NEXT_UPDATE_OFFSET_MS,
        );
        if (runAt !== null && (earliest === null || runAt < earliest)) earliest = runAt;
      }
      if (earliest !== null) await addNextUpdateJob(queue, caId, null, earliest, now(), jobOptions);
    } catch (error) {
      logger.warn({ err: error }, 'could not schedule the run after nextUpdate');
    }
  }

  async function process(job: Job<FetchJobData, FetchJobResult, FetchJobName>, token?: string): Promise<FetchJobResult> {
    const { caId, partition } = job.data;
    if (partition === null || partition === undefined) return processCa(job, caId);
    const logger = runLogger(options.logger, caId, partition, job.id);
    const target = byScope.get(scopeKey(caId, partition));
    if (!target) {
      logger.warn({ trigger: job.data.trigger }, 'job for a partition that is no longer configured: skipped');
      return { caId, partition, outcome: 'skipped', why: 'not configured' };
    }
    const lock = await locks.tryAcquire(caId, partition);
    if (!lock) {
      // Another worker is loading this CRL right now: run again shortly (it will then be a cheap 304 or "unchanged").
      // moveToDelayed + DelayedError does not spend one of the job's attempts.
      logger.info({ retryInMs: options.lockBusyRetryMs ?? 5_000 }, 'another worker is loading this partition; job delayed');
      await job.moveToDelayed(now() + (options.lockBusyRetryMs ?? 5_000), token);
      throw new DelayedError();
    }
    let run: Awaited<ReturnType<typeof runPartition>>;
    try {
      run = await runPartition(target, { store: options.store, metrics: options.metrics, logger, now, signal: lock.signal });
    } finally {
      await lock.release().catch((error: unknown) => logger.warn({ err: error }, 'partition lock release failed (it expires by itself)'));
    }
    const { report, error } = run;
    if (report.outcome === 'rejected' || (report.outcome === 'failed' && report.retryable === false)) {
      throw new UnrecoverableError(`${report.reason ?? 'failed'}: ${report.error ?? ''}`);
    }
    if (report.outcome === 'failed') throw error instanceof Error ? error : new Error(report.error ?? 'fetch failed');
    // The job id is per nextUpdate, so queueing it again after a 304 is a no-op.
    const nextUpdate = await servedNextUpdate(report, options.store).catch((e: unknown) => {
      logger.warn({ err: e }, 'could not read the partition metadata to schedule the nextUpdate run');
      return null;
    });
    const runAt = nextUpdateRunMs(nextUpdate, now(), options.nextUpdateOffsetMs ?? DEFAULT_NEXT_UPDATE_OFFSET_MS);
    if (runAt !== null) await addNextUpdateJob(queue, caId, null, runAt, now(), jobOptions);
    return report;
  }

  const worker = new Worker<FetchJobData, FetchJobResult, FetchJobName>(QUEUE_NAME, process, {
    connection,
    prefix,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 5000 },
  });
  worker.on('error', (error) => options.logger.error({ err: error }, 'worker error'));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final =
      error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    options.logger[final ? 'error' : 'warn'](
      { caId: job.data.caId, partition: job.data.partition, jobId: job.id, attemptsMade: job.attemptsMade, final, err: error },
      final ? 'fetch job failed' : 'fetch job failed; will retry',
    );
  });
  worker.on('stalled', (jobId) => options.logger.warn({ jobId }, 'fetch job stalled (its worker died or hung); handed to another worker'));

  const syncSchedulers = () => syncJobSchedulers(queue, options.targets, jobOptions, options.timeZone ?? DEFAULT_CRON_TIME_ZONE);
  if (options.schedule ?? true) {
    const sync = await syncSchedulers();
    options.logger.info({ schedulers: sync.upserted.length, removed: sync.removed }, 'job schedulers in place');
  }

  return {
    queue,
    worker,
    syncSchedulers,
    runNow: (caId, partition) => queue.add('manual', { caId, partition, trigger: 'manual' }, jobOptions),
    async close() {
      const graceMs = options.closeGraceMs ?? 5_000;
      // With Redis down, BullMQ's graceful close waits forever (for a blocking read to return, then for QUITs that get no answer)
      // and its stalled-job and lock-extension timers keep the process alive: close by force then, and with a deadline always.
      const redisUp = lockRedis.status === 'ready' && (await settledWithin(lockRedis.ping(), 500)) && lockRedis.status === 'ready';
      const graceful = (async () => {
        await worker.close(!redisUp);
        await queue.close();
      })();
      if (!(await settledWithin(graceful, redisUp ? graceMs : 1_000))) {
        options.logger.warn({ graceMs }, 'Redis did not answer within the shutdown grace: the queue connections are cut');
        await settledWithin(Promise.allSettled([worker.disconnect(), queue.disconnect()]), 1_000);
      }
      // a lock left behind expires by itself (its TTL); never wait on a Redis that is not there
      if (lockRedis.status === 'ready') await settledWithin(lockRedis.quit(), 1_000);
      lockRedis.disconnect();
      if (!(await settledWithin(closeBullConnection(connection), 1_000)) && 'disconnect' in connection) connection.disconnect();
    },
  };
}
