/**
 * The death-detection job without Redis (no BullMQ): in the process that loads the CRLs (`fetch` or `start` on the embedded store).
 * A pass runs at start (catching up on switches made while no job ran), after every switch the store announces, and on the
 * configured schedule (cron in the configured time zone, or an interval). Passes run one at a time (coalesce.ts); across processes
 * the watch repository's lock file serialises them with `watch run`. Webhook batches wait in the durable outbox and are delivered
 * after each pass and every `retryIntervalMs`, so a receiver that was down gets them when it comes back.
 */
import type { Logger } from 'pino';
import type { CaSnapshot, RevocationReader } from '@jpki-validator/store';
import type { CrlReason } from '@jpki-validator/x509';
import {
  deliverOwed,
  type DeliveryReport,
  type PassReport,
  type WatchRepository,
  type WatchSinkConfig,
  type WebhookOutbox,
} from '@jpki-validator/watch';
import { coalesce } from './coalesce.js';
import { runLoggedPass } from './logged-pass.js';
import { nextRunMs, type WatchSchedule } from './next-run.js';

export interface EmbeddedWatchRunnerOptions {
  /** announces switches */
  store: Pick<RevocationReader, 'subscribe'>;
  snapshot: (caId: string) => Promise<CaSnapshot | null>;
  repo: WatchRepository;
  meaning: (reason: CrlReason) => string;
  /** a CA's medium, for the events' `medium` */
  mediumOf?: (caId: string) => 'card' | 'smartphone' | null;
  schedule: WatchSchedule;
  timeZone: string;
  sinks: readonly WatchSinkConfig[];
  /** where webhook batches wait (`<dataDir>/watch/outbox`, the directory `watch run` uses) */
  outbox: WebhookOutbox;
  logger: Logger;
  /** between delivery rounds of pending webhook batches (default 60 s) */
  retryIntervalMs?: number;
  /** run a pass at start (default true) */
  passAtStart?: boolean;
  onPass?: (report: PassReport) => void;
  onDelivery?: (report: DeliveryReport) => void;
  now?: () => number;
}

export interface EmbeddedWatchRunner {
  /** a pass now, or the one already queued behind the running pass */
  runNow(): Promise<PassReport>;
  /** a delivery round of the outbox now (or the one queued) */
  deliverNow(): Promise<DeliveryReport>;
  close(): Promise<void>;
}

/** setTimeout caps delays at 2^31-1 ms (~24.8 days); a longer wait re-arms itself */
const MAX_TIMER_MS = 2 ** 31 - 1;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function startEmbeddedWatchRunner(options: EmbeddedWatchRunnerOptions): EmbeddedWatchRunner {
  const now = options.now ?? Date.now;
  const { logger } = options;
  const hasWebhook = options.sinks.some((s) => 'webhook' in s);
  let closed = false;
  let scheduleTimer: NodeJS.Timeout | null = null;

  const deliveries = coalesce(async (): Promise<DeliveryReport> => {
    // what recorded passes still owe (a sink that failed, a process killed mid-delivery), then the outbox's POSTs
    const owed = await deliverOwed(options.repo, options.outbox);
    if (owed.done.length > 0 || owed.errors.length > 0)
      logger.info({ done: owed.done, waiting: owed.waiting, errors: owed.errors }, 'owed deliveries');
    const report = await options.outbox.deliverPending(options.sinks);
    if (report.delivered > 0 || report.pending > 0)
      logger.info({ delivered: report.delivered, pending: report.pending, errors: report.errors }, 'webhook outbox delivery round');
    options.onDelivery?.(report);
    return report;
  });

  const passes = coalesce(async (): Promise<PassReport> => {
    const report = await runLoggedPass(options, options.outbox, logger);
    if (hasWebhook && report.eventCount > 0 && !closed)
      deliveries.request().catch((e: unknown) => logger.error({ err: message(e) }, 'webhook delivery round failed'));
    return report;
  });

  const pass = (trigger: string): void => {
    if (closed) return;
    passes.request().catch((e: unknown) => logger.error({ trigger, err: message(e) }, 'watch pass failed'));
  };

  const armSchedule = (): void => {
    if (closed) return;
    let whenMs: number;
    try {
      whenMs = nextRunMs(options.schedule, now(), options.timeZone);
    } catch (e) {
      logger.error({ schedule: options.schedule, err: message(e) }, 'watch schedule cannot be read; scheduled passes are off');
      return;
    }
    const wait = (): void => {
      const delayMs = whenMs - now();
      scheduleTimer = setTimeout(
        delayMs > MAX_TIMER_MS
          ? wait
          : () => {
              pass('schedule');
              armSchedule();
            },
        Math.max(0, Math.min(delayMs, MAX_TIMER_MS)),
      );
      scheduleTimer.unref();
    };
    wait();
  };

  // every successful CRL switch: one more pass (it reads the newest generation of every CA)
  const unsubscribe = options.store.subscribe((event) => {
    logger.debug({ caId: event.caId, generation: event.generation }, 'switch: watch pass requested');
    pass('switch');
  });
  armSchedule();
  const retryTimer =
    options.sinks.length > 0
      ? setInterval(() => {
          if (!closed) deliveries.request().catch((e: unknown) => logger.error({ err: message(e) }, 'webhook delivery round failed'));
        }, options.retryIntervalMs ?? 60_000)
      : null;
  retryTimer?.unref();
  if (options.passAtStart ?? true) pass('start');
  // batches a previous process (or `watch run`) left behind
  if (hasWebhook) deliveries.request().catch((e: unknown) => logger.error({ err: message(e) }, 'webhook delivery round failed'));

  return {
    runNow: () => passes.request(),
    deliverNow: () => deliveries.request(),
    async close() {
      closed = true;
      unsubscribe();
      if (scheduleTimer) clearTimeout(scheduleTimer);
      if (retryTimer) clearInterval(retryTimer);
      await passes.idle();
      await deliveries.idle();
    },
  };
}
