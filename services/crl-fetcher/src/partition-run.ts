/**
 * One fetch of one CRL scope with its logs and metrics — shared by the BullMQ worker, `fetch --once` and the in-process
 * scheduler, so every path logs and counts the same way. Never throws for a fetch or CRL problem: the report says what happened,
 * and the caller decides (retry, UnrecoverableError, exit code).
 */
import { OpsHistory, type RevocationStore } from '@jpki-validator/store';
import { formatTime, reasonName } from '@jpki-validator/x509';
import { CrlRejectedError, FetcherError } from './errors.js';
import { ingestCrl, type IngestResult } from './ingest/load-crl.js';
import type { Logger } from './logger.js';
import type { FetcherMetrics, LoadOutcomeLabel } from './metrics.js';
import type { PartitionTarget } from './targets.js';

export interface PartitionReport {
  caId: string;
  partition: string;
  /** `busy`: another worker held the partition's lock, so this refresh left it to that worker */
  outcome: 'loaded' | 'unchanged' | 'not-modified' | 'rejected' | 'failed' | 'busy';
  /** decimal, as in the contract */
  crlNumber: string | null;
  entries: number | null;
  bytes: number | null;
  thisUpdate: string | null;
  nextUpdate: string | null;
  stale: boolean | null;
  generation: number | null;
  durationMs: number;
  /** rejected: the reason label; failed: the error code */
  reason: string | null;
  error: string | null;
  /** failed: whether trying again may help */
  retryable: boolean | null;
  /** tries this refresh made (retryable failures are tried again with backoff; 0 when busy) */
  attempts: number;
}

export interface RunPartitionDeps {
  store: RevocationStore;
  metrics: FetcherMetrics;
  logger: Logger;
  now?: () => number;
  signal?: AbortSignal;
}

export interface PartitionRun {
  report: PartitionReport;
  /** the error behind a `failed` or `rejected` report (for BullMQ to retry or not) */
  error: unknown;
}

/** a report's fields before anything is known */
export const EMPTY_REPORT = {
  crlNumber: null,
  entries: null,
  bytes: null,
  thisUpdate: null,
  nextUpdate: null,
  stale: null,
  generation: null,
  reason: null,
  error: null,
  retryable: null,
  attempts: 1,
};

function fromResult(result: IngestResult, durationMs: number): PartitionReport {
  const base = { ...EMPTY_REPORT, caId: result.caId, partition: result.partition, durationMs };
  if (result.outcome === 'not-modified') return { ...base, outcome: 'not-modified' };
  if (result.outcome === 'unchanged') return { ...base, outcome: 'unchanged', crlNumber: result.crlNumber.toString() };
  return {
    ...base,
    outcome: 'loaded',
    crlNumber: result.crlNumber.toString(),
    entries: result.entries,
    bytes: result.bytes,
    thisUpdate: result.thisUpdate,
    nextUpdate: result.nextUpdate,
    stale: result.stale,
    generation: result.generation,
  };
}

const LABEL: Record<PartitionReport['outcome'], LoadOutcomeLabel> = {
  loaded: 'loaded',
  unchanged: 'unchanged',
  'not-modified': 'not_modified',
  rejected: 'rejected',
  failed: 'failed',
  busy: 'busy',
};

export async function runPartition(target: PartitionTarget, deps: RunPartitionDeps): Promise<PartitionRun> {
  const now = deps.now ?? Date.now;
  const caId = target.ca.id;
  const partition = target.partition.name;
  const started = performance.now();
  let report: PartitionReport;
  let failure: unknown = null;
  let added: Record<string, number> | null = null;
  try {
    const result = await ingestCrl({
      store: deps.store,
      ca: target.ca,
      partition: target.partition,
      source: target.source,
      skewSeconds: target.issuer.freshness.skewSeconds,
      now,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    report = fromResult(result, performance.now() - started);
    if (result.outcome === 'loaded') added = namedCounts(result.addedByReason);
  } catch (error) {
    failure = error;
    const base = {
      ...EMPTY_REPORT,
      caId,
      partition,
      durationMs: performance.now() - started,
      error: error instanceof Error ? error.message : String(error),
    };
    if (error instanceof CrlRejectedError) report = { ...base, outcome: 'rejected', reason: error.reason, retryable: false };
    else if (error instanceof FetcherError) report = { ...base, outcome: 'failed', reason: error.code, retryable: error.retryable };
    else {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : 'INTERNAL';
      // Store outages and unexpected faults: worth another try; the previous generation keeps serving meanwhile.
      report = { ...base, outcome: 'failed', reason: code, retryable: true };
    }
  }
  deps.metrics.recordRun(caId, partition, LABEL[report.outcome], report.durationMs / 1000);
  const fields = { outcome: report.outcome, crlNumber: report.crlNumber, durationMs: Math.round(report.durationMs) };
  switch (report.outcome) {
    case 'loaded':
      deps.metrics.recordLoaded(caId, partition, report.bytes ?? 0, report.entries ?? 0);
      deps.logger.info(
        {
          ...fields,
          entries: report.entries,
          bytes: report.bytes,
          nextUpdate: report.nextUpdate,
          stale: report.stale,
          generation: report.generation,
        },
        'CRL loaded',
      );
      if (report.stale)
        deps.logger.warn(
          { nextUpdate: report.nextUpdate },
          'CRL loaded but already past its nextUpdate: answers from it are unknown (crl_stale)',
        );
      break;
    case 'unchanged':
    case 'not-modified':
      // one line per 304 of a 1,741-partition refresh is noise at info
      deps.logger.debug(fields, 'CRL unchanged');
      break;
    case 'rejected':
      deps.metrics.recordReject(caId, partition, report.reason ?? 'unknown');
      deps.logger.error({ ...fields, reason: report.reason, err: failure }, 'CRL rejected; the previous generation keeps serving');
      break;
    case 'failed':
      deps.logger.warn({ ...fields, code: report.reason, retryable: report.retryable, err: failure }, 'CRL fetch failed');
      break;
    case 'busy':
      break;
  }
  if (report.outcome !== 'busy') await recordInHistory(deps, report, added, now());
  return { report, error: failure };
}

/** reason code → count, as reason names (zeros left out) */
function namedCounts(byCode: number[] | null): Record<string, number> | null {
  if (byCode === null) return null;
  const named: Record<string, number> = {};
  byCode.forEach((n, code) => {
    const name = reasonName(code);
    if (n > 0 && name !== undefined) named[name] = n;
  });
  return named;
}

/** the console's history of loads (store ops room); a failure to record is logged, never the load's failure */
async function recordInHistory(
  deps: RunPartitionDeps,
  report: PartitionReport,
  added: Record<string, number> | null,
  nowMs: number,
): Promise<void> {
  if (report.outcome === 'busy') return;
  try {
    await new OpsHistory(deps.store.ops).recordLoad({
      at: formatTime(new Date(nowMs)),
      caId: report.caId,
      partition: report.partition,
      outcome: report.outcome,
      crlNumber: report.crlNumber,
      entries: report.entries,
      bytes: report.bytes,
      durationMs: Math.round(report.durationMs),
      thisUpdate: report.thisUpdate,
      nextUpdate: report.nextUpdate,
      reason: report.reason,
      error: report.error,
      added,
    });
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not record the load in the ops history');
  }
}
