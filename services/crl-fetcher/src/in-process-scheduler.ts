/**
 * The embedded mode's scheduler (no Redis, so no BullMQ): timers per partition with the same rules as the queue — the configured
 * interval or cron, plus one run soon after the loaded CRL's nextUpdate. One run per partition at a time in this process; across
 * processes the embedded store's writer lock serialises commits.
 */
import type { RevocationStore } from '@jpki-validator/store';
import { runLogger, type Logger } from './logger.js';
import type { FetcherMetrics } from './metrics.js';
import { runPartition, type PartitionReport } from './partition-run.js';
import { servedNextUpdate } from './next-update.js';
import { DEFAULT_CRON_TIME_ZONE, DEFAULT_NEXT_UPDATE_OFFSET_MS, nextRefreshMs, nextUpdateRunMs } from './schedule.js';
import { scopeKey, type PartitionTarget } from './targets.js';

export interface InProcessSchedulerOptions {
  store: RevocationStore;
  targets: readonly PartitionTarget[];
  metrics: FetcherMetrics;
  logger: Logger;
  /** fetch every partition at start (default true) */
  runAtStart?: boolean;
  nextUpdateOffsetMs?: number;
  timeZone?: string;
  now?: () => number;
}

export interface InProcessScheduler {
  /** fetches one partition now (joins a run already under way); null for a partition not configured */
  runNow(caId: string, partition: string): Promise<PartitionReport | null>;
  close(): Promise<void>;
}

/** setTimeout caps delays at 2^31-1 ms (~24.8 days); a longer wait re-arms itself. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Slot {
  target: PartitionTarget;
  running: Promise<PartitionReport> | null;
  refreshTimer: NodeJS.Timeout | null;
  nextUpdateTimer: NodeJS.Timeout | null;
}

export function startInProcessScheduler(options: InProcessSchedulerOptions): InProcessScheduler {
  const now = options.now ?? Date.now;
  const offsetMs = options.nextUpdateOffsetMs ?? DEFAULT_NEXT_UPDATE_OFFSET_MS;
  const slots = new Map<string, Slot>();
  let closed = false;

  /** calls fn at whenMs unless closed by then */
  const at = (whenMs: number, fn: () => void): NodeJS.Timeout => {
    const delay = Math.max(0, whenMs - now());
    const timer = setTimeout(
      () => {
        if (closed) return;
        if (delay > MAX_TIMER_MS) at(whenMs, fn);
        else fn();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    timer.unref();
    return timer;
  };

  const run = (slot: Slot): Promise<PartitionReport> => {
    if (slot.running) return slot.running;
    const { target } = slot;
    const logger = runLogger(options.logger, target.ca.id, target.partition.name);
    slot.running = runPartition(target, { store: options.store, metrics: options.metrics, logger, now })
      .then(async ({ report }) => {
        const nextUpdate = await servedNextUpdate(report, options.store).catch((e: unknown) => {
          logger.warn({ err: e }, 'could not read the partition metadata to schedule the nextUpdate run');
          return null;
        });
        const runAt = nextUpdateRunMs(nextUpdate, now(), offsetMs);
        if (runAt !== null && !closed) {
          if (slot.nextUpdateTimer) clearTimeout(slot.nextUpdateTimer);
          slot.nextUpdateTimer = at(
            runAt,
            () => void run(slot).catch((error: unknown) => logger.error({ err: error }, 'nextUpdate run failed')),
          );
        }
        return report;
      })
      .finally(() => {
        slot.running = null;
      });
    return slot.running;
  };

  const armRefresh = (slot: Slot): void => {
    if (closed) return;
    let when: number;
    try {
      when = nextRefreshMs(slot.target.issuer.refresh, now(), options.timeZone ?? DEFAULT_CRON_TIME_ZONE);
    } catch (error) {
      options.logger.error(
        { caId: slot.target.ca.id, partition: slot.target.partition.name, err: error },
        'refresh schedule cannot be read; partition not scheduled',
      );
      return;
    }
    slot.refreshTimer = at(when, () => {
      run(slot)
        .catch((error: unknown) =>
          options.logger.error({ caId: slot.target.ca.id, partition: slot.target.partition.name, err: error }, 'scheduled run failed'),
        )
        .finally(() => armRefresh(slot));
    });
  };

  for (const target of options.targets) {
    const slot: Slot = { target, running: null, refreshTimer: null, nextUpdateTimer: null };
    slots.set(scopeKey(target.ca.id, target.partition.name), slot);
    if (options.runAtStart ?? true)
      run(slot).catch((error: unknown) =>
        options.logger.error({ caId: target.ca.id, partition: target.partition.name, err: error }, 'first run failed'),
      );
    armRefresh(slot);
  }

  return {
    async runNow(caId, partition) {
      const slot = slots.get(scopeKey(caId, partition));
      return slot ? run(slot) : null;
    },
    async close() {
      closed = true;
      for (const slot of slots.values()) {
        if (slot.refreshTimer) clearTimeout(slot.refreshTimer);
        if (slot.nextUpdateTimer) clearTimeout(slot.nextUpdateTimer);
      }
      await Promise.allSettled([...slots.values()].map((s) => s.running));
    },
  };
}
