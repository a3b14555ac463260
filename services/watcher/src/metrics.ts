/**
 * The watch job's Prometheus metrics, in a registry of its own: the process hosting the job serves them (`fetch` on its admin
 * server, `start` on the validator's /metrics). Counted from each pass's report, in either mode (queue or in-process).
 */
import type { PassReport } from '@jpki-validator/watch';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface WatchMetrics {
  readonly registry: Registry;
  recordPass(report: PassReport, nowMs?: number): void;
}

export function createWatchMetrics(): WatchMetrics {
  const registry = new Registry();
  const passes = new Counter({
    name: 'jpki_validator_watch_passes_total',
    help: 'watch passes completed (after a CRL switch or on the schedule)',
    registers: [registry],
  });
  const events = new Counter({
    name: 'jpki_validator_watch_events_total',
    help: 'watch events recorded, by type (revoked, expired); each event once across passes',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const deliveryErrors = new Counter({
    name: 'jpki_validator_watch_delivery_errors_total',
    help: 'sink deliveries that failed during a pass (the events stay recorded and are delivered later)',
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'jpki_validator_watch_pass_duration_seconds',
    help: 'time of a watch pass: detection, recording and delivery',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const lastPass = new Gauge({
    name: 'jpki_validator_watch_last_pass_timestamp_seconds',
    help: 'when the last watch pass completed (unix seconds)',
    registers: [registry],
  });
  const rows = new Gauge({
    name: 'jpki_validator_watch_list_rows',
    help: 'rows of the watch list at the last pass',
    registers: [registry],
  });
  const unavailable = new Gauge({
    name: 'jpki_validator_watch_unavailable_cas',
    help: 'watched CAs without a loaded CRL at the last pass (their customers were not checked)',
    registers: [registry],
  });
  return {
    registry,
    recordPass(report, nowMs = Date.now()) {
      passes.inc();
      if (report.revoked > 0) events.inc({ type: 'revoked' }, report.revoked);
      if (report.expired > 0) events.inc({ type: 'expired' }, report.expired);
      if (report.delivery.errors.length > 0) deliveryErrors.inc(report.delivery.errors.length);
      const { detectMs, recordMs, deliverMs } = report.timings;
      duration.observe((detectMs + recordMs + deliverMs) / 1000);
      lastPass.set(nowMs / 1000);
      rows.set(report.rows);
      unavailable.set(report.unavailable.length);
    },
  };
}
