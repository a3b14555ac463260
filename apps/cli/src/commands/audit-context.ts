/** The audit history as the CLI's audit commands open it: the configured database (PostgreSQL or the embedded SQLite). */
import { type AuditSink, describeDatabase, openAuditSink } from '@jpki-validator/audit';
import { loadConfig } from '@jpki-validator/config';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

export interface AuditContext {
  sink: AuditSink;
  /** where it is, for messages (never a password) */
  where: string;
  retention: string;
  close(): Promise<void>;
}

export async function openAuditContext(configFile: string | undefined, io: CliIo): Promise<AuditContext> {
  const config = loadConfig({ file: configFile, env: io.env, cwd: io.cwd });
  if (config.audit === null)
    throw new UsageError('the audit history is off: configure `audit:` in the config file or set AUDIT_DATABASE_URL');
  const sink = openAuditSink(config.audit.database);
  await sink.migrate();
  return { sink, where: describeDatabase(config.audit.database), retention: config.audit.retention, close: () => sink.close() };
}

/** `--from` / `--to`: an RFC 3339 time or a date (UTC midnight) */
export function timeOption(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || !Number.isFinite(ms))
    throw new UsageError(`${flag} "${text}" is not a time (RFC 3339 or YYYY-MM-DD)`);
  return ms;
}
