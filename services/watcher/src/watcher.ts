/**
 * The death-detection job, wired: a BullMQ job scheduler runs a pass on the configured cron (default daily, Asia/Tokyo) or
 * interval, every CRL switch the store announces enqueues one more (one job per switch however many processes hear it), and one
 * pass worker (concurrency 1) per process runs them — passes of several processes are serialised by the watch repository's lock,
 * and events already recorded are never reported again; webhook batches go to the delivery queue (delivery.ts).
 * `createWatcher` builds; `start` connects and schedules; `close` stops.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { type CaSnapshot, type RevocationStore, settledWithin } from '@jpki-validator/store';
import type { CrlReason } from '@jpki-validator/x509';
import type { DeliveryReport, PassReport, WatchRepository, WatchSinkConfig } from '@jpki-validator/watch';
import { BullWebhookQueue, startDeliveryWorker } from './delivery.js';
import { runLoggedPass } from './logged-pass.js';
import { answersWithin } from './bounded-close.js';
import { PASS_QUEUE, SCHEDULER_ID, switchJobId, type PassJobData } from './queues.js';

/** how long a graceful close may wait for a running pass or delivery while Redis answers */
const CLOSE_GRACE_MS = 5_000;

export interface WatcherOptions {
  connection: ConnectionOptions;
  prefix?: string;
  store: RevocationStore;
  snapshot: (caId: string) => Promise<CaSnapshot | null>;
  repo: WatchRepository;
  meaning: (reason: CrlReason) => string;
  /** a CA's medium, for the events' `medium` */
  mediumOf?: (caId: string) => 'card' | 'smartphone' | null;
  schedule: { intervalMs: number } | { cron: string };
  timeZone: string;
  sinks: readonly WatchSinkConfig[];
  logger: Logger;
  backoffBaseMs?: number;
  onPass?: (report: PassReport) => void;
  /** after each webhook batch attempt: delivered, or failed and retried with backoff */
  onDelivery?: (report: DeliveryReport) => void;
}

export interface Watcher {
  passQueue: Queue<PassJobData>;
  webhooks: BullWebhookQueue;
  start(): Promise<void>;
  /** enqueue one pass now; a jobId already in the queue (waiting, running or recently done) adds nothing */
  trigger(data: PassJobData, jobId?: string): Promise<void>;
  close(): Promise<void>;
}

export function createWatcher(options: WatcherOptions): Watcher {
  const prefix = options.prefix ? { prefix: options.prefix } : {};
  const passQueue = new Queue<PassJobData>(PASS_QUEUE, { connection: options.connection, ...prefix });
  const webhooks = new BullWebhookQueue({ connection: options.connection, ...prefix });
  const workers: Worker[] = [];
  let unsubscribe: (() => void) | null = null;

  const trigger = async (data: PassJobData, jobId?: string): Promise<void> => {
    // completed jobs are kept a day so that a late duplicate add (another process hearing the same switch) still finds its id
    await passQueue.add('pass', data, {
      ...(jobId === undefined ? {} : { jobId }),
      removeOnComplete: { age: 86_400, count: 1000 },
      removeOnFail: 1000,
      attempts: 3,
      backoff: { type: 'exponential', delay: 5000 },
    });
  };

  return {
    passQueue,
    webhooks,
    trigger,
    async start() {
      await passQueue.upsertJobScheduler(
        SCHEDULER_ID,
        'cron' in options.schedule ? { pattern: options.schedule.cron, tz: options.timeZone } : { every: options.schedule.intervalMs },
        { name: 'pass', data: { trigger: 'schedule' } },
      );
      const passWorker = new Worker<PassJobData>(
        PASS_QUEUE,
        async (job) => {
          const log = options.logger.child({ job: job.id, trigger: job.data.trigger });
          const report = await runLoggedPass(options, webhooks, log);
          return { revoked: report.revoked, expired: report.expired };
        },
        { connection: options.connection, ...prefix, concurrency: 1 },
      );
      passWorker.on('error', (e) => options.logger.error({ err: e.message }, 'watch pass worker error'));
      workers.push(passWorker);
      workers.push(
        startDeliveryWorker({
          connection: options.connection,
          ...prefix,
          sinks: options.sinks,
          ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
          onDelivered: (url, events) => {
            options.logger.info({ url, events }, 'webhook batch delivered');
            options.onDelivery?.({ delivered: events, pending: 0, errors: [] });
          },
          onFailed: (url, error) => {
            options.logger.warn({ url, err: error.message }, 'webhook batch failed; will retry');
            options.onDelivery?.({ delivered: 0, pending: 1, errors: [`${url}: ${error.message}`] });
          },
          onError: (error) => options.logger.error({ err: error.message }, 'webhook delivery worker error'),
        }),
      );
      // every successful CRL switch: one more pass (the pass itself reads the newest generation of every CA)
      unsubscribe = options.store.subscribe((event) => {
        trigger(
          { trigger: 'switch', caId: event.caId, generation: event.generation },
          switchJobId(event.caId, event.generation, event.epoch),
        ).catch((e: unknown) =>
          options.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'could not enqueue a watch pass'),
        );
      });
    },
    async close() {
      unsubscribe?.();
      // With Redis down BullMQ's graceful close waits forever (a blocking read, QUITs nobody answers) and its timers keep the
      // process alive: a fetcher told to stop would hang. Force the close then, and give even a graceful one a deadline.
      const redisUp = await answersWithin(() => passQueue.count());
      const graceful = (async () => {
        for (const w of workers) await w.close(!redisUp);
        await passQueue.close();
        await webhooks.close();
      })();
      if (!(await settledWithin(graceful, redisUp ? CLOSE_GRACE_MS : 1_000))) {
        options.logger.warn({ graceMs: CLOSE_GRACE_MS }, 'Redis did not answer within the shutdown grace: the watch queues are cut');
        await settledWithin(
          Promise.allSettled([...workers.map((w) => w.disconnect()), passQueue.disconnect(), webhooks.queue.disconnect()]),
          1_000,
        );
      }
    },
  };
}
