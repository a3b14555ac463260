/**
 * One watch pass with its log lines: shared by the BullMQ pass worker (watcher.ts) and the embedded runner, so that both say
 * the same thing about a pass and both warn when a watched CA had no CRL to check against.
 */
import type { Logger } from 'pino';
import type { CaSnapshot } from '@jpki-validator/store';
import type { CrlReason } from '@jpki-validator/x509';
import { runWatchPass, type PassReport, type WatchRepository, type WatchSinkConfig, type WebhookQueue } from '@jpki-validator/watch';

export interface LoggedPassOptions {
  snapshot: (caId: string) => Promise<CaSnapshot | null>;
  repo: WatchRepository;
  meaning: (reason: CrlReason) => string;
  mediumOf?: (caId: string) => 'card' | 'smartphone' | null;
  sinks: readonly WatchSinkConfig[];
  onPass?: (report: PassReport) => void;
}

export async function runLoggedPass(options: LoggedPassOptions, webhooks: WebhookQueue, log: Logger): Promise<PassReport> {
  const report = await runWatchPass({
    repo: options.repo,
    snapshot: options.snapshot,
    meaning: options.meaning,
    ...(options.mediumOf ? { mediumOf: options.mediumOf } : {}),
    sinks: options.sinks,
    webhooks,
  });
  log.info(
    {
      runId: report.runId,
      revoked: report.revoked,
      expired: report.expired,
      rows: report.rows,
      cas: report.cas,
      delivered: report.delivery.done,
      ...(report.delivery.errors.length > 0 ? { deliveryErrors: report.delivery.errors } : {}),
      timings: report.timings,
    },
    'watch pass done',
  );
  if (report.unavailable.length > 0)
    log.warn({ unavailable: report.unavailable }, 'watched CAs without a loaded CRL: their customers were not checked');
  options.onPass?.(report);
  return report;
}
