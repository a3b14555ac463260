/**
 * `jpki-validator fetch --once` and the embedded mode's first pass: every configured partition now, in this process, no queue.
 */
import type { Config } from '@jpki-validator/config';
import { EXIT } from '@jpki-validator/errors';
import type { RevocationStore } from '@jpki-validator/store';
import type { Logger } from './logger.js';
import { runLogger } from './logger.js';
import { createFetcherMetrics, type FetcherMetrics } from './metrics.js';
import { EMPTY_REPORT, runPartition, type PartitionReport } from './partition-run.js';
import { resolveTargets, type PartitionTarget } from './targets.js';

/** The exit codes `fetch --once` ends with. */
export const FETCH_EXIT = { OK: EXIT.OK, CONFIG: EXIT.BAD_INPUT, UNAVAILABLE: EXIT.UNAVAILABLE } as const;

export interface FetchOnceOptions {
  metrics?: FetcherMetrics;
  /** partitions fetched at the same time (default 2: the machine's cores; a big CRL is CPU-bound) */
  concurrency?: number;
  now?: () => number;
}

export interface FetchOnceResult {
  reports: PartitionReport[];
  /**
   * 0 every partition is current (loaded, unchanged or not modified) · 2 a config error (a CA certificate that cannot be used;
   * its partitions are reported as failed with reason CONFIG_INVALID) · 3 some or all partitions could not be brought up to date
   * (their previous data, if any, keeps serving; the reports say which and why).
   */
  exitCode: number;
}

const OK_OUTCOMES = new Set<PartitionReport['outcome']>(['loaded', 'unchanged', 'not-modified']);

export async function fetchOnce(
  config: Pick<Config, 'issuers'>,
  store: RevocationStore,
  logger: Logger,
  options: FetchOnceOptions = {},
): Promise<FetchOnceResult> {
  const { targets, problems } = await resolveTargets(config);
  const configReports: PartitionReport[] = problems.flatMap(({ issuer, error }) => {
    logger.error({ caId: issuer.id, err: error }, 'CA certificate cannot be used; its CRLs are not fetched');
    return issuer.partitions.map((p) => ({
      caId: issuer.id,
      partition: p.name,
      ...EMPTY_REPORT,
      outcome: 'failed' as const,
      durationMs: 0,
      reason: error.code,
      error: error.message,
      retryable: false,
    }));
  });
  const metrics =
    options.metrics ?? createFetcherMetrics({ store, scopes: targets.map((t) => ({ caId: t.ca.id, partition: t.partition.name })) });
  const reports = await mapPool(targets, options.concurrency ?? 2, async (target: PartitionTarget) => {
    const { report } = await runPartition(target, {
      store,
      metrics,
      logger: runLogger(logger, target.ca.id, target.partition.name),
      ...(options.now ? { now: options.now } : {}),
    });
    return report;
  });
  const all = [...reports, ...configReports];
  const exitCode =
    problems.length > 0 ? FETCH_EXIT.CONFIG : all.every((r) => OK_OUTCOMES.has(r.outcome)) ? FETCH_EXIT.OK : FETCH_EXIT.UNAVAILABLE;
  return { reports: all, exitCode };
}

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}
