/**
 * `jpki-validator fetch --once` and the embedded mode's first pass: every configured partition now, in this process, no queue.
 */
import type { Config } from '@jpki-validator/config';
import { EXIT } from '@jpki-validator/errors';
import type { RevocationStore } from '@jpki-validator/store';
import { declarePartitions } from './declare-partitions.js';
import type { Logger } from './logger.js';
import { createFetcherMetrics, type FetcherMetrics } from './metrics.js';
import { byCa, refreshPartitions, tuningOf, type RefreshDeps } from './ca-refresh.js';
import { EMPTY_REPORT, type PartitionReport } from './partition-run.js';
import { resolveTargets } from './targets.js';

/** The exit codes `fetch --once` ends with. */
export const FETCH_EXIT = { OK: EXIT.OK, CONFIG: EXIT.BAD_INPUT, UNAVAILABLE: EXIT.UNAVAILABLE } as const;

export interface FetchOnceOptions {
  metrics?: FetcherMetrics;
  /** overrides every CA's `fetch.concurrency` (partitions of one CA fetched at once; the CAs refresh side by side) */
  concurrency?: number;
  now?: () => number;
  /** waits between tries of a failing partition (tests) */
  sleep?: RefreshDeps['sleep'];
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
  await declarePartitions(config, store, logger);
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
      attempts: 0,
    }));
  });
  const metrics =
    options.metrics ?? createFetcherMetrics({ store, scopes: targets.map((t) => ({ caId: t.ca.id, partition: t.partition.name })) });
  const deps: RefreshDeps = {
    store,
    metrics,
    logger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  };
  // each CA's partitions with its own bounded concurrency and retries; the CAs side by side
  const perCa = await Promise.all(
    [...byCa(targets).values()].map((list) => {
      const tuning = tuningOf(list[0] as (typeof list)[number]);
      return refreshPartitions(list, deps, options.concurrency === undefined ? tuning : { ...tuning, concurrency: options.concurrency });
    }),
  );
  const all = [...perCa.flat(), ...configReports];
  const exitCode =
    problems.length > 0 ? FETCH_EXIT.CONFIG : all.every((r) => OK_OUTCOMES.has(r.outcome)) ? FETCH_EXIT.OK : FETCH_EXIT.UNAVAILABLE;
  return { reports: all, exitCode };
}
