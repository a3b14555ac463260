/**
 * The fetcher's Prometheus metrics, in a registry of its own (the validator may run in the same process with its own).
 * Staleness and last success come from the store's partition metadata at scrape time, so they are right for loads made by any
 * worker process, not only this one.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PartitionMeta, RevocationReader } from '@jpki-validator/store';

const scopeKey = (caId: string, partition: string): string => `${caId}\u0000${partition}`;

export type LoadOutcomeLabel = 'loaded' | 'unchanged' | 'not_modified' | 'rejected' | 'failed' | 'busy';

export interface FetcherMetrics {
  readonly registry: Registry;
  recordRun(caId: string, partition: string, outcome: LoadOutcomeLabel, durationSeconds: number): void;
  /** a CRL refused before it became visible (signature, scope_mismatch, rollback, …): counted and kept apart from failures */
  recordReject(caId: string, partition: string, reason: string): void;
  /** a CRL that was loaded: its size and entry count */
  recordLoaded(caId: string, partition: string, bytes: number, entries: number): void;
  /** the store lost the CA's data (each loss once) */
  recordDataLoss(caId: string): void;
}

export interface FetcherMetricsOptions {
  store: RevocationReader;
  /** the configured scopes: staleness is reported for these even before a first load (as +Inf) */
  scopes: readonly { caId: string; partition: string }[];
  now?: () => number;
}

export function createFetcherMetrics(options: FetcherMetricsOptions): FetcherMetrics {
  const registry = new Registry();
  const now = options.now ?? Date.now;
  const loads = new Counter({
    name: 'jpki_validator_crl_fetch_loads_total',
    help: 'CRL fetch runs by outcome (loaded, unchanged, not_modified, rejected, failed)',
    labelNames: ['ca', 'partition', 'outcome'] as const,
    registers: [registry],
  });
  const rejects = new Counter({
    name: 'jpki_validator_crl_fetch_rejects_total',
    help: 'CRLs refused before becoming visible, by reason (signature, issuer, rollback, malformed, future_this_update, …)',
    labelNames: ['ca', 'partition', 'reason'] as const,
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'jpki_validator_crl_fetch_bytes_total',
    help: 'bytes of CRLs loaded',
    labelNames: ['ca', 'partition'] as const,
    registers: [registry],
  });
  const entries = new Gauge({
    name: 'jpki_validator_crl_entries',
    help: 'entries in the latest CRL loaded for the partition',
    labelNames: ['ca', 'partition'] as const,
    registers: [registry],
  });
  // per CA, not per partition: 1,741 partitions × outcomes × buckets would be ~50 k series for one histogram
  const duration = new Histogram({
    name: 'jpki_validator_crl_fetch_duration_seconds',
    help: 'time of a fetch run, from request to switch (or refusal), per CA',
    labelNames: ['ca', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const dataLosses = new Counter({
    name: 'jpki_validator_fetcher_store_data_loss_total',
    help: 'data losses of the store noticed by this fetcher (Redis restarted empty, FLUSHALL, failover to an empty replica; a deleted snapshot)',
    labelNames: ['ca'] as const,
    registers: [registry],
  });
  const readMetas = async () =>
    Promise.all(
      [...new Set(options.scopes.map((s) => s.caId))].map(async (caId) => ({ caId, metas: await options.store.partitions(caId) })),
    );
  new Gauge({
    name: 'jpki_validator_crl_staleness_seconds',
    help: "now minus the nextUpdate of the partition's current CRL (negative: still fresh; +Inf: never loaded or no nextUpdate)",
    labelNames: ['ca', 'partition'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const metas = new Map<string, PartitionMeta>();
      for (const { caId, metas: list } of await readMetas()) for (const m of list) metas.set(scopeKey(caId, m.partition), m);
      for (const { caId, partition } of options.scopes) {
        const meta = metas.get(scopeKey(caId, partition));
        const value = meta?.nextUpdateMs == null ? Number.POSITIVE_INFINITY : (now() - meta.nextUpdateMs) / 1000;
        this.set({ ca: caId, partition }, value);
      }
    },
  });
  new Gauge({
    name: 'jpki_validator_crl_last_success_timestamp_seconds',
    help: "when the partition's current CRL was loaded (unix seconds)",
    labelNames: ['ca', 'partition'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { caId, metas } of await readMetas()) {
        for (const m of metas) this.set({ ca: caId, partition: m.partition }, m.loadedAtMs / 1000);
      }
    },
  });

  return {
    registry,
    recordRun(caId, partition, outcome, durationSeconds) {
      loads.inc({ ca: caId, partition, outcome });
      duration.observe({ ca: caId, outcome }, durationSeconds);
    },
    recordReject(caId, partition, reason) {
      rejects.inc({ ca: caId, partition, reason });
    },
    recordLoaded(caId, partition, size, count) {
      bytes.inc({ ca: caId, partition }, size);
      entries.set({ ca: caId, partition }, count);
    },
    recordDataLoss(caId) {
      dataLosses.inc({ ca: caId });
    },
  };
}
