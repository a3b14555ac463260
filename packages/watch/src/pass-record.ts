/** A pass as the ops history keeps it (the console's death-detection page): counts and timings, never the events themselves. */
import type { WatchPassRecord } from '@jpki-validator/store';
import { formatTime } from '@jpki-validator/x509';
import type { PassReport } from './pass.js';

export function passRecordOf(report: PassReport): WatchPassRecord {
  const t = report.timings;
  return {
    at: formatTime(Date.parse(report.detectedAt) || Date.now()),
    runId: report.runId,
    rows: report.rows,
    events: report.eventCount,
    revoked: report.revoked,
    expired: report.expired,
    cas: report.cas,
    unavailable: report.unavailable,
    durationMs: Math.round(t.detectMs + t.recordMs + t.deliverMs),
  };
}
