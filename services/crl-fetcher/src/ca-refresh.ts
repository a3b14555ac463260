/**
 * One refresh of a CA: its partitions fetched at most `concurrency` at a time (J-LIS publishes ~1,741 per signature CA; one at a
 * time, a cold load is bound by round trips, all at once by memory and the server's patience), each with its own retries — a
 * retryable failure (5xx, timeout, network) tries again after `backoffMs`, doubling — and its own outcome: a partition that still
 * fails keeps its last good generation and its own freshness while the others load. A 304 costs one round trip and no load.
 *
 * Shared by `fetch --once`, the embedded mode's in-process scheduler and the BullMQ worker's CA job.
 */
import { DEFAULT_FETCH_TUNING, type IssuerConfig } from '@jpki-validator/config';
import { commitsInTurn } from './ingest/commit-turns.js';
import { runLogger } from './logger.js';
import { EMPTY_REPORT, runPartition, type PartitionReport, type PartitionRun, type RunPartitionDeps } from './partition-run.js';
import type { PartitionTarget } from './targets.js';

export type RefreshTuning = IssuerConfig['fetch'];

/** A partition another process is loading right now (its lock is held): skipped in this refresh. */
export interface HeldPartition {
  signal: AbortSignal;
  release(): Promise<void>;
}

export interface RefreshDeps extends Omit<RunPartitionDeps, 'signal'> {
  /** waits between tries (tests shorten it); default setTimeout, cut short by `signal` */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** takes the partition's cross-process lock; null: someone else holds it (the partition is reported `busy`) */
  lock?: (target: PartitionTarget) => Promise<HeldPartition | null>;
  /** stops starting new tries (shutdown) */
  signal?: AbortSignal;
}

const sleepFor = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });

/** The tuning of a target's issuer (a config built in code may lack it: the defaults then). */
export function tuningOf(target: PartitionTarget): RefreshTuning {
  return (target.issuer as Partial<IssuerConfig>).fetch ?? DEFAULT_FETCH_TUNING;
}

/** One partition with its retries. The run's report counts its tries in `attempts`. */
export async function runPartitionWithRetries(
  target: PartitionTarget,
  deps: RefreshDeps,
  tuning = tuningOf(target),
): Promise<PartitionRun> {
  const logger = runLogger(deps.logger, target.ca.id, target.partition.name);
  const held = deps.lock ? await deps.lock(target) : null;
  if (deps.lock && held === null) return { report: busyReport(target), error: null };
  try {
    const sleep = deps.sleep ?? sleepFor;
    for (let attempt = 1; ; attempt++) {
      const run = await runPartition(target, {
        ...deps,
        store: commitsInTurn(deps.store),
        logger,
        ...(held ? { signal: held.signal } : {}),
      });
      run.report.attempts = attempt;
      const retry = run.report.outcome === 'failed' && run.report.retryable === true && attempt < tuning.attempts && !deps.signal?.aborted;
      if (!retry) return run;
      const delayMs = tuning.backoffMs * 2 ** (attempt - 1);
      logger.info({ attempt, retryInMs: delayMs, code: run.report.reason }, 'CRL fetch will be tried again');
      await sleep(delayMs, deps.signal);
    }
  } finally {
    await held?.release().catch((error: unknown) => logger.warn({ err: error }, 'partition lock release failed (it expires by itself)'));
  }
}

/** Every target of one CA (or any list), at most `tuning.concurrency` at once; reports in the targets' order. */
export async function refreshPartitions(
  targets: readonly PartitionTarget[],
  deps: RefreshDeps,
  tuning: RefreshTuning = targets[0] ? tuningOf(targets[0]) : DEFAULT_FETCH_TUNING,
): Promise<PartitionReport[]> {
  const reports = new Array<PartitionReport>(targets.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < targets.length; i = next++) {
      reports[i] = (await runPartitionWithRetries(targets[i] as PartitionTarget, deps, tuning)).report;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(tuning.concurrency, targets.length)) }, lane));
  return reports;
}

/** targets grouped by CA, in config order */
export function byCa(targets: readonly PartitionTarget[]): Map<string, PartitionTarget[]> {
  const out = new Map<string, PartitionTarget[]>();
  for (const t of targets) {
    const list = out.get(t.ca.id);
    if (list) list.push(t);
    else out.set(t.ca.id, [t]);
  }
  return out;
}

function busyReport(target: PartitionTarget): PartitionReport {
  return {
    ...EMPTY_REPORT,
    caId: target.ca.id,
    partition: target.partition.name,
    outcome: 'busy',
    durationMs: 0,
    error: 'another worker is loading this partition',
    attempts: 0,
  };
}
