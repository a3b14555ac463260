import type { RevocationStore } from '@jpki-validator/store';
import type { PartitionReport } from './partition-run.js';

/**
 * The nextUpdate of the CRL a partition now serves, after a run: the loaded CRL's, or — when nothing new came (304, or the same
 * CRL) — the one already in the store, so that data loaded by `fetch --once` or before a restart also gets its run soon after
 * nextUpdate instead of waiting for the next real load. null when there is none, or the run failed.
 */
export async function servedNextUpdate(report: PartitionReport, store: RevocationStore): Promise<string | null> {
  if (report.outcome === 'loaded') return report.nextUpdate;
  if (report.outcome !== 'not-modified' && report.outcome !== 'unchanged') return null;
  const meta = (await store.partitions(report.caId)).find((p) => p.partition === report.partition);
  return meta?.nextUpdateMs == null ? null : new Date(meta.nextUpdateMs).toISOString();
}
