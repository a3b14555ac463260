/**
 * The PostgreSQL schema, as numbered migrations applied in order, each once (the applied versions are kept in
 * `audit_schema_migrations`). `{schema}` is the configured schema, quoted. The history is partitioned by month on `at`
 * (declarative range partitioning): retention drops whole months, and a query over a time range reads only its months.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit records partitioned by month, journal cursors',
    sql: `
CREATE SEQUENCE IF NOT EXISTS {schema}.audit_records_id_seq AS bigint;
CREATE TABLE IF NOT EXISTS {schema}.audit_records (
  at timestamptz NOT NULL,
  id bigint NOT NULL DEFAULT nextval('{schema}.audit_records_id_seq'),
  request_id text NOT NULL,
  api_key_id text,
  purpose text,
  route text NOT NULL,
  issuer text,
  ca_id text,
  serial text,
  kind text,
  medium text,
  result text NOT NULL,
  reason text,
  meaning text,
  method text,
  crl_number text,
  detail text,
  signature text,
  ocsp_produced_at timestamptz,
  data_age_seconds integer,
  personal_shown boolean,
  PRIMARY KEY (at, id)
) PARTITION BY RANGE (at);
CREATE INDEX IF NOT EXISTS audit_records_serial ON {schema}.audit_records (serial, at, id);
CREATE TABLE IF NOT EXISTS {schema}.audit_journal_cursors (
  journal text PRIMARY KEY,
  segment integer NOT NULL,
  "offset" bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`,
  },
];
