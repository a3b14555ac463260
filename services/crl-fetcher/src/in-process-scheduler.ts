/**
 * The embedded mode's scheduler (no Redis, so no BullMQ): timers per CA with the same rules as the queue — the configured interval
 * or cron, plus one refresh soon after the earliest nextUpdate among the CA's loaded CRLs. A refresh fetches the CA's partitions
 * with its bounded concurrency and per-partition retries (ca-refresh.ts): a national CA's 1,741 partitions are never all in
 * flight at once, and the unchanged ones cost a 304 each. One run per partition at a time in this process (a manual run joins a
 * refresh under way); across processes the embedded store's writer lock serialises commits.
 */
import type { RevocationStore } from '@jpki-validator/store';
import { byCa, runPartitionWithRetries, tuningOf } from './ca-refresh.js';
import type { Logger } from './logger.js';
import type { FetcherMetrics } from './metrics.js';
import type { PartitionReport } from './partition-run.js';
import { DEFAULT_CRON_TIME_ZONE, DEFAULT_NEXT_UPDATE_OFFSET_MS, nextRefreshMs, nextUpdateRunMs } from './schedule.js';
import { scopeKey, type PartitionTarget } from './targets.js';

export interface InProcessSchedulerOptions {
  store: RevocationStore;
  targets: readonly PartitionTarget[];
  metrics: FetcherMetrics;
  logger: Logger;
  /** refresh every CA at start (default true) */
  runAtStart?: boolean;
  nextUpdateOffsetMs?: number;
  timeZone?: string;
  now?: () => number;
}

export interface InProcessScheduler {
  /** fetches one partition now (joins a run already under way); null for a partition not configured */
  runNow(caId: string, partition: string): Promise<PartitionReport | null>;
  /** refreshes every partition of a CA now (joins a refresh under way); null for a CA not configured */
  refreshNow(caId: string): Promise<PartitionReport[] | null>;
  close(): Promise<void>;
}

/** setTimeout caps delays at 2^31-1 ms (~24.8 days); a longer wait re-arms itself. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface CaSlot {
  caId: string;
  targets: PartitionTarget[];
  refreshing: Promise<PartitionReport[]> | null;
  refreshTimer: NodeJS.Timeout | null;
  nextUpdateTimer: NodeJS.Timeout | null;
}

export function startInProcessScheduler(options: InProcessSchedulerOptions): InProcessScheduler {
  const now = options.now ?? Date.now;
  const offsetMs = options.nextUpdateOffsetMs ?? DEFAULT_NEXT_UPDATE_OFFSET_MS;
  const slots = new Map<string, CaSlot>();
  const byScope = new Map(options.targets.map((t) => [scopeKey(t.ca.id, t.partition.name), t]));
  const running = new Map<string, Promise<PartitionReport>>();
  const stop = new AbortController();
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

  /** one partition, with its retries; a second caller while it runs gets the same run */
  const runOne = (target: PartitionTarget): Promise<PartitionReport> => {
    const key = scopeKey(target.ca.id, target.partition.name);
    const under = running.get(key);
    if (under) return under;
    const run = runPartitionWithRetries(target, {
      store: options.store,
      metrics: options.metrics,
      logger: options.logger,
      now,
      signal: stop.signal,
    })
      .then((r) => r.report)
      .finally(() => running.delete(key));
    running.set(key, run);
    return run;
  };

  const refresh = (slot: CaSlot): Promise<PartitionReport[]> => {
    if (slot.refreshing) return slot.refreshing;
    const tuning = tuningOf(slot.targets[0] as PartitionTarget);
    const reports = new Array<PartitionReport>(slot.targets.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < slot.targets.length && !closed; i = next++) reports[i] = await runOne(slot.targets[i] as PartitionTarget);
    };
    slot.refreshing = Promise.all(Array.from({ length: Math.max(1, Math.min(tuning.concurrency, slot.targets.length)) }, lane))
      .then(async () => {
        const done = reports.filter((r): r is PartitionReport => r !== undefined);
        summarise(slot, done);
        await armNextUpdate(slot);
        return done;
      })
      .finally(() => {
        slot.refreshing = null;
      });
    return slot.refreshing;
  };

  /** one line per CA refresh: 1,741 partitions are counted, not listed */
  const summarise = (slot: CaSlot, reports: readonly PartitionReport[]): void => {
    const counts: Record<string, number> = {};
    for (const r of reports) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
    const failed = reports.filter((r) => r.outcome === 'failed' || r.outcome === 'rejected');
    const log = failed.length > 0 ? options.logger.warn.bind(options.logger) : options.logger.info.bind(options.logger);
    log(
      { caId: slot.caId, partitions: reports.length, ...counts, failing: failed.slice(0, 10).map((r) => `${r.partition}: ${r.reason}`) },
      'CA refresh done',
    );
  };

  /** the CA's next refresh soon after the earliest nextUpdate still ahead among its loaded CRLs */
  const armNextUpdate = async (slot: CaSlot): Promise<void> => {
    let metas: Awaited<ReturnType<RevocationStore['partitions']>>;
    try {
      metas = await options.store.partitions(slot.caId);
    } catch (error) {
      options.logger.warn({ caId: slot.caId, err: error }, 'could not read the partition metadata to schedule the nextUpdate run');
      return;
    }
    const configured = new Set(slot.targets.map((t) => t.partition.name));
    let earliest: number | null = null;
    for (const m of metas) {
      if (!configured.has(m.partition) || m.nextUpdateMs === null) continue;
      const runAt = nextUpdateRunMs(new Date(m.nextUpdateMs).toISOString(), now(), offsetMs);
      if (runAt !== null && (earliest === null || runAt < earliest)) earliest = runAt;
    }
    if (earliest === null || closed) return;
    if (slot.nextUpdateTimer) clearTimeout(slot.nextUpdateTimer);
    slot.nextUpdateTimer = at(earliest, () => {
      refresh(slot).catch((error: unknown) => options.logger.error({ caId: slot.caId, err: error }, 'nextUpdate refresh failed'));
    });
  };

  const armRefresh = (slot: CaSlot): void => {
    if (closed) return;
    const issuer = (slot.targets[0] as PartitionTarget).issuer;
    let when: number;
    try {
      when = nextRefreshMs(issuer.refresh, now(), options.timeZone ?? DEFAULT_CRON_TIME_ZONE);
    } catch (error) {
      options.logger.error({ caId: slot.caId, err: error }, 'refresh schedule cannot be read; CA not scheduled');
      return;
    }
    slot.refreshTimer = at(when, () => {
      refresh(slot)
        .catch((error: unknown) => options.logger.error({ caId: slot.caId, err: error }, 'scheduled refresh failed'))
        .finally(() => armRefresh(slot));
    });
  };

  for (const [caId, targets] of byCa(options.targets)) {
    const slot: CaSlot = { caId, targets, refreshing: null, refreshTimer: null, nextUpdateTimer: null };
    slots.set(caId, slot);
    if (options.runAtStart ?? true)
      refresh(slot).catch((error: unknown) => options.logger.error({ caId, err: error }, 'first refresh failed'));
    armRefresh(slot);
  }

  return {
    async runNow(caId, partition) {
      const target = byScope.get(scopeKey(caId, partition));
      if (!target) return null;
      const report = await runOne(target);
      const slot = slots.get(caId);
      if (slot) await armNextUpdate(slot);
      return report;
    },
    async refreshNow(caId) {
      const slot = slots.get(caId);
      return slot ? refresh(slot) : null;
    },
    async close() {
      closed = true;
      stop.abort();
      for (const slot of slots.values()) {
        if (slot.refreshTimer) clearTimeout(slot.refreshTimer);
        if (slot.nextUpdateTimer) clearTimeout(slot.nextUpdateTimer);
      }
      await Promise.allSettled([...slots.values()].map((s) => s.refreshing));
      await Promise.allSettled([...running.values()]);
    },
  };
}
