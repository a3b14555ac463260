/** The configured audit database, opened: PostgreSQL when a URL is given, else SQLite in the data directory. */
import { PostgresSink } from './postgres-sink.js';
import { SqliteSink } from './sqlite-sink.js';
import type { AuditSink } from './types.js';

export type AuditDatabase = { kind: 'postgres'; url: string; schema: string } | { kind: 'sqlite'; path: string };

export function openAuditSink(database: AuditDatabase): AuditSink {
  return database.kind === 'postgres'
    ? new PostgresSink({ url: database.url, schema: database.schema })
    : new SqliteSink({ path: database.path });
}

/** where the database is, for logs: never the password of a URL */
export function describeDatabase(database: AuditDatabase): string {
  if (database.kind === 'sqlite') return `sqlite ${database.path}`;
  try {
    const url = new URL(database.url);
    url.password = '';
    return `postgres ${url.host}${url.pathname} schema ${database.schema}`;
  } catch {
    return `postgres schema ${database.schema}`;
  }
}
