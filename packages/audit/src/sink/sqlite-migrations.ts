/** The embedded SQLite schema, as numbered migrations applied in order, each once (versions kept in `audit_schema_migrations`). */
import type { Migration } from './postgres-migrations.js';

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit records, journal cursors',
    sql: `
CREATE TABLE IF NOT EXISTS audit_records (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  api_key_id TEXT,
  purpose TEXT,
  route TEXT NOT NULL,
  issuer TEXT,
  ca_id TEXT,
  serial TEXT,
  kind TEXT,
  medium TEXT,
  result TEXT NOT NULL,
  reason TEXT,
  meaning TEXT,
  method TEXT,
  crl_number TEXT,
  detail TEXT,
  signature TEXT,
  ocsp_produced_ms INTEGER,
  data_age_seconds INTEGER,
  personal_shown INTEGER
);
CREATE INDEX IF NOT EXISTS audit_records_at ON audit_records (at_ms, id);
CREATE INDEX IF NOT EXISTS audit_records_serial ON audit_records (serial, at_ms, id);
CREATE TABLE IF NOT EXISTS audit_journal_cursors (
  journal TEXT PRIMARY KEY,
  segment INTEGER NOT NULL,
  "offset" INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);`,
  },
];
