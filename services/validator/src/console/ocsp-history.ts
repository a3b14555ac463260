/**
 * The validator's OCSP counters into the ops history: once a minute (and at close) the growth of each issuer's counters since the
 * last flush is added to the day's counters. Nothing on a request's path: the checker counts in memory as it always did.
 */
import type { OcspChecker } from '@jpki-validator/status';
import { OpsHistory, type OcspCountsRecord, type OpsRoom } from '@jpki-validator/store';
import type { Logger } from 'pino';

export interface OcspHistoryRecorder {
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function startOcspHistory(ocsp: OcspChecker, ops: OpsRoom, logger: Logger, everyMs = 60_000): OcspHistoryRecorder {
  const history = new OpsHistory(ops);
  const flushed = new Map<string, OcspCountsRecord>();
  let running: Promise<void> = Promise.resolve();
  const flushNow = async (): Promise<void> => {
    const growth: OcspCountsRecord[] = [];
    const taken: OcspCountsRecord[] = [];
    for (const s of ocsp.issuerStats()) {
      const now = {
        caId: s.caId,
        queries: s.queries,
        cacheHits: s.cacheHits,
        refused: s.refused,
        failed: s.failed,
        spendYen: s.estimatedCostYen,
      };
      const before = flushed.get(s.caId);
      const d = {
        caId: s.caId,
        queries: now.queries - (before?.queries ?? 0),
        cacheHits: now.cacheHits - (before?.cacheHits ?? 0),
        refused: now.refused - (before?.refused ?? 0),
        failed: now.failed - (before?.failed ?? 0),
        spendYen: now.spendYen - (before?.spendYen ?? 0),
      };
      if (d.queries || d.cacheHits || d.refused || d.failed || d.spendYen) growth.push(d);
      taken.push(now);
    }
    if (growth.length === 0) return;
    try {
      await history.recordOcsp(Date.now(), growth);
      for (const t of taken) flushed.set(t.caId, t);
    } catch (error) {
      // kept for the next flush: the counters are cumulative, so nothing is lost while the store is away
      logger.warn({ err: error }, 'could not add the OCSP counters to the ops history; trying again next minute');
    }
  };
  const flush = (): Promise<void> => {
    running = running.then(flushNow);
    return running;
  };
  const timer = setInterval(() => void flush(), everyMs);
  timer.unref();
  return {
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
