/**
 * The audit history of a running validator, from the config: the journal and its shipping worker (@jpki-validator/audit), the
 * recorder the routes use, the main thread's own connection for /v1/audit, and the retention purge on its schedule (PostgreSQL:
 * whole month partitions dropped; SQLite: rows deleted). Off when the config says nothing (the demo).
 */
import { AuditLog, type AuditSink, describeDatabase, openAuditSink, retentionCutoffMs, type SerializedEvent } from '@jpki-validator/audit';
import type { AuditConfig } from '@jpki-validator/config';
import type { CaRegistry } from '@jpki-validator/status';
import type { Logger } from 'pino';
import type { AppAudit } from '../app.js';
import { AuditRecorder } from './audit-recorder.js';
import { OPEN_PURPOSES, purposePolicy } from './purpose.js';

export interface RunningAudit {
  app: AppAudit;
  /** one retention pass now (the schedule runs it too) */
  purge(): Promise<void>;
  /** ships what it can within `timeoutMs`, then stops; the rest stays in the journal for the next start */
  close(timeoutMs?: number): Promise<void>;
}

const OFF: RunningAudit = {
  app: { recorder: null, sink: null, purposes: OPEN_PURPOSES },
  purge: async () => undefined,
  close: async () => undefined,
};

function logEvent(logger: Logger, event: SerializedEvent): void {
  if (event.type === 'failed') {
    // the first failure and every tenth after it: a database that stays away does not flood the log
    if (event.attempt === 1 || event.attempt % 10 === 0)
      logger.warn({ attempt: event.attempt, err: event.error }, 'audit database unavailable: records wait in the journal');
  } else if (event.type === 'recovered') logger.info({ afterAttempts: event.afterAttempts }, 'audit database back: shipping the journal');
  else if (event.type === 'torn')
    logger.error({ journal: event.journal, segment: event.segment, offset: event.offset }, 'audit journal block torn');
  else logger.info({ audit: event.type, journal: event.journal }, `audit journal ${event.type}`);
}

export async function startAudit(config: AuditConfig | null, registry: CaRegistry, logger: Logger): Promise<RunningAudit> {
  if (config === null) return OFF;
  const log = new AuditLog({
    database: config.database,
    journalRoot: config.journalDir,
    onEvent: (event) => logEvent(logger, event),
    onWriteError: (error) => logger.error({ err: error }, 'audit journal write failed: retrying (records are kept in memory)'),
    onWorkerExit: (error) => logger.error({ err: error }, 'audit worker stopped: restarting it'),
  });
  const sink: AuditSink = openAuditSink(config.database);
  // the embedded file is local: ready now; PostgreSQL may be away at start, and is migrated by the worker when it answers
  if (config.database.kind === 'sqlite') await sink.migrate();
  const recorder = new AuditRecorder(log, registry, purposePolicy(config));
  const purge = async (): Promise<void> => {
    const cutoff = retentionCutoffMs(config.retention, Date.now());
    if (cutoff === null) return;
    try {
      const result = await sink.purge(cutoff);
      if (result.rows > 0 || result.partitions.length > 0)
        logger.info({ retention: config.retention, cutoff: new Date(cutoff).toISOString(), ...result }, 'audit retention purge');
    } catch (error) {
      logger.warn({ err: error }, 'audit retention purge failed: it runs again on schedule');
    }
  };
  const first = setTimeout(() => void purge(), 10_000);
  const every = setInterval(() => void purge(), config.purgeEveryMs);
  first.unref();
  every.unref();
  logger.info({ audit: describeDatabase(config.database), retention: config.retention, journal: log.journalId }, 'audit history on');
  return {
    app: { recorder, sink, purposes: recorder.purposes },
    purge,
    async close(timeoutMs = 5_000) {
      clearTimeout(first);
      clearInterval(every);
      const shipped = await log.close(timeoutMs);
      if (!shipped) logger.warn({ journal: log.journalId }, 'audit journal not fully shipped at close: the next start ships the rest');
      await sink.close();
    },
  };
}
