/**
 * The audit history in PostgreSQL (node-postgres, `pg`: the field's standard client, pure JavaScript, no libpq to build).
 *
 * Rows go in as one binary `COPY … FROM STDIN` per batch (postgres-copy.ts: one buffer, no SQL text built from values), in the
 * same transaction as the journal cursor's move, which is what makes shipping exactly-once: the rows and the cursor's move commit
 * together, and a shipper that lost the answer to its COMMIT reads the cursor to learn whether it happened (sink/types.ts
 * CursorMovedError).
 */
import pg from 'pg';
import { AuditError } from '../errors.js';
import type { JournalPosition } from '../journal/format.js';
import { addMonths, monthStartMs, monthSuffix, parseMonthSuffix } from '../month.js';
import type { NewAuditRow } from '../record.js';
import { INSERT_COLUMNS, rowFromStored, TEXT_FIELDS, type StoredRow } from './columns.js';
import { CopyEncoder, CopyIn, copyIn } from './postgres-copy.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { CursorMovedError, type AuditFilter, type AuditPage, type AuditPageRequest, type AuditSink, type PurgeResult } from './types.js';

export interface PostgresSinkOptions {
  /** postgres://user@host:port/database */
  url: string;
  /** where the tables live (made if missing; default `jpki_audit`) */
  schema?: string;
  /** connections (default 2) */
  poolSize?: number;
  /** a statement that takes longer fails (default 30 000 ms) */
  statementTimeoutMs?: number;
  /** a connection attempt that takes longer fails (default 5 000 ms) */
  connectTimeoutMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** the SELECT list that gives a StoredRow */
const SELECT_ROW = `r.id::text AS id, (extract(epoch FROM at) * 1000)::float8 AS at_ms, ${TEXT_FIELDS.map(([, c]) => c).join(', ')},
  (extract(epoch FROM ocsp_produced_at) * 1000)::float8 AS ocsp_produced_ms, data_age_seconds, personal_shown`;

export class PostgresSink implements AuditSink {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private readonly s: string;
  /** month starts whose partition is known to exist */
  private readonly months = new Set<number>();
  private readonly encoder = new CopyEncoder();
  private copySql: string | null = null;

  constructor(options: PostgresSinkOptions) {
    const schema = options.schema ?? 'jpki_audit';
    if (!SCHEMA_NAME.test(schema))
      throw new AuditError('AUDIT_BAD_REQUEST', `audit.schema: "${schema.slice(0, 70)}" is not a plain lower-case SQL name`);
    this.s = `"${schema}"`;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 2,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      idleTimeoutMillis: 10_000,
    });
    // an idle connection that dies (the server restarts) is dropped from the pool; the next query reports the outage
    this.pool.on('error', () => undefined);
  }

  async migrate(): Promise<void> {
    await this.transaction(async (c) => {
      // one migrator at a time, across every process sharing the database
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.s}.audit_migrations`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.s}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.s}.audit_schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const applied = new Set(
        (await c.query<{ version: number }>(`SELECT version FROM ${this.s}.audit_schema_migrations`)).rows.map((r) => r.version),
      );
      const newest = Math.max(0, ...applied);
      const known = Math.max(...POSTGRES_MIGRATIONS.map((m) => m.version));
      if (newest > known)
        throw new AuditError(
          'AUDIT_SCHEMA_TOO_NEW',
          `the audit schema ${this.s} is at version ${newest}; this release knows up to ${known}`,
        );
      for (const m of POSTGRES_MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await c.query(m.sql.replaceAll('{schema}', this.s));
        await c.query(`INSERT INTO ${this.s}.audit_schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      }
    });
  }

  async cursor(journalId: string): Promise<JournalPosition | null> {
    const r = await this.query1<{ segment: number; offset: string }>(
      `SELECT segment, "offset" FROM ${this.s}.audit_journal_cursors WHERE journal = $1`,
      [journalId],
    );
    return r === null ? null : { segment: r.segment, offset: Number(r.offset) };
  }

  async write(rows: readonly NewAuditRow[], journalId: string, from: JournalPosition, to: JournalPosition): Promise<void> {
    await this.ensureMonths(rows);
    await this.transaction(async (c) => {
      await c.query(
        `INSERT INTO ${this.s}.audit_journal_cursors (journal, segment, "offset") VALUES ($1, 1, 0) ON CONFLICT (journal) DO NOTHING`,
        [journalId],
      );
      const stored = (
        await c.query<{ segment: number; offset: string }>(
          `SELECT segment, "offset" FROM ${this.s}.audit_journal_cursors WHERE journal = $1 FOR UPDATE`,
          [journalId],
        )
      ).rows[0];
      const at = stored === undefined ? null : { segment: stored.segment, offset: Number(stored.offset) };
      if (at === null || at.segment !== from.segment || at.offset !== from.offset) throw new CursorMovedError(at);
      if (rows.length > 0) await this.insertRows(c, rows);
      await c.query(`UPDATE ${this.s}.audit_journal_cursors SET segment = $2, "offset" = $3, updated_at = now() WHERE journal = $1`, [
        journalId,
        to.segment,
        to.offset,
      ]);
    });
  }

  async forgetJournal(journalId: string): Promise<void> {
    await this.run(`DELETE FROM ${this.s}.audit_journal_cursors WHERE journal = $1`, [journalId]);
  }

  async prepareMonths(fromMs: number, count: number): Promise<void> {
    const start = monthStartMs(fromMs);
    const wanted: number[] = [];
    for (let i = 0; i < count; i++) wanted.push(addMonths(start, i));
    await this.createPartitions(wanted);
  }

  async query(request: AuditPageRequest): Promise<AuditPage> {
    const limit = request.limit ?? 100;
    const desc = (request.order ?? 'desc') === 'desc';
    const { where, params, param } = this.filterOf(request);
    if (request.after !== undefined) {
      where.push(
        `(r.at, r.id) ${desc ? '<' : '>'} (to_timestamp(${param(request.after.atMs / 1000)}::float8), ${param(request.after.id.toString())}::bigint)`,
      );
    }
    const dir = desc ? 'DESC' : 'ASC';
    // `r.id`: the bare name would sort by the text `id` of the select list
    const sql = `SELECT ${SELECT_ROW} FROM ${this.s}.audit_records r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.at ${dir}, r.id ${dir} LIMIT ${param(limit + 1)}`;
    const result = await this.run<StoredRow>(sql, params);
    const more = result.rows.length > limit;
    const rows = (more ? result.rows.slice(0, limit) : result.rows).map(rowFromStored);
    const last = result.rows[limit - 1];
    return { rows, next: more && last !== undefined ? { atMs: Number(last.at_ms), id: BigInt(last.id) } : null };
  }

  async count(filter: AuditFilter): Promise<number> {
    const { where, params } = this.filterOf(filter);
    const r = await this.run<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${this.s}.audit_records r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
      params,
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  private filterOf(filter: AuditFilter): { where: string[]; params: unknown[]; param: (value: unknown) => string } {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (filter.serial !== undefined) where.push(`r.serial = ${param(filter.serial)}`);
    if (filter.issuer !== undefined) {
      const p = param(filter.issuer);
      where.push(`(r.issuer = ${p} OR r.ca_id = ${p})`);
    }
    if (filter.purpose !== undefined) where.push(`r.purpose = ${param(filter.purpose)}`);
    if (filter.result !== undefined) where.push(`r.result = ${param(filter.result)}`);
    if (filter.route !== undefined) where.push(`r.route = ${param(filter.route)}`);
    if (filter.apiKeyId !== undefined) where.push(`r.api_key_id = ${param(filter.apiKeyId)}`);
    if (filter.fromMs !== undefined) where.push(`r.at >= to_timestamp(${param(filter.fromMs / 1000)}::float8)`);
    if (filter.toMs !== undefined) where.push(`r.at < to_timestamp(${param(filter.toMs / 1000)}::float8)`);
    return { where, params, param };
  }

  async deleteSerials(serials: readonly string[], issuer: string | null, entry: (deleted: number) => NewAuditRow): Promise<number> {
    await this.ensureMonths([entry(0)]);
    return this.transaction(async (c) => {
      const r = await c.query(
        `DELETE FROM ${this.s}.audit_records WHERE serial = ANY($1::text[])${issuer === null ? '' : ' AND (issuer = $2 OR ca_id = $2)'}`,
        issuer === null ? [serials] : [serials, issuer],
      );
      const deleted = r.rowCount ?? 0;
      await this.insertRows(c, [entry(deleted)]);
      return deleted;
    });
  }

  async purge(beforeMs: number): Promise<PurgeResult> {
    const parts = await this.run<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = '${this.s}.audit_records'::regclass`,
      [],
    );
    const dropped: string[] = [];
    let rows = 0;
    for (const { name } of parts.rows) {
      const start = parseMonthSuffix(name.replace(/^audit_records_/, ''));
      if (start === null || addMonths(start, 1) > beforeMs) continue;
      await this.transaction(async (c) => {
        const counted = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${this.s}."${name}"`);
        rows += Number(counted.rows[0]?.n ?? 0);
        await c.query(`DROP TABLE IF EXISTS ${this.s}."${name}"`);
      });
      this.months.delete(start);
      dropped.push(name);
    }
    return { partitions: dropped.sort(), rows };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** the rows by binary COPY (postgres-copy.ts), in the caller's transaction */
  private async insertRows(c: pg.PoolClient, rows: readonly NewAuditRow[]): Promise<void> {
    this.copySql ??= `COPY ${this.s}.audit_records (at, ${INSERT_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;
    await copyIn(c, new CopyIn(this.copySql, this.encoder.encode(rows)));
  }

  /** every month the rows fall in has its partition */
  private async ensureMonths(rows: readonly NewAuditRow[]): Promise<void> {
    const missing = new Set<number>();
    for (const r of rows) {
      const m = monthStartMs(r.atMs);
      if (!this.months.has(m)) missing.add(m);
    }
    if (missing.size > 0) await this.createPartitions([...missing]);
  }

  private async createPartitions(months: readonly number[]): Promise<void> {
    const todo = months.filter((m) => !this.months.has(m));
    if (todo.length === 0) return;
    await this.transaction(async (c) => {
      // CREATE … IF NOT EXISTS still races with a concurrent creator; the lock makes them take turns
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.s}.audit_partitions`]);
      for (const m of todo) {
        const from = new Date(m).toISOString();
        const to = new Date(addMonths(m, 1)).toISOString();
        await c.query(
          `CREATE TABLE IF NOT EXISTS ${this.s}."audit_records_${monthSuffix(m)}" PARTITION OF ${this.s}.audit_records
             FOR VALUES FROM ('${from}') TO ('${to}')`,
        );
      }
    });
    for (const m of todo) this.months.add(m);
  }

  private async transaction<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.connect();
    let broken = false;
    try {
      await c.query('BEGIN');
      const result = await work(c);
      await c.query('COMMIT');
      return result;
    } catch (error) {
      await c.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw this.wrap(error);
    } finally {
      c.release(broken);
    }
  }

  private async query1<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R | null> {
    return (await this.run<R>(sql, params)).rows[0] ?? null;
  }

  private async run<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw this.wrap(error);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw this.wrap(error);
    }
  }

  /**
   * our own errors pass; a lost connection, a server shutting down or short of resources becomes AUDIT_UNAVAILABLE, any other
   * server error AUDIT_DATABASE_ERROR (a fault: the statement itself is wrong) — both naming what failed
   */
  private wrap(error: unknown): unknown {
    if (error instanceof AuditError) return error;
    const message = `audit database: ${error instanceof Error ? error.message : String(error)}`;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    // 42P01 / 3F000: the tables or the schema are not there yet (the worker migrates once the database answers)
    const serverError = /^[0-9A-Z]{5}$/.test(code) && !/^(08|53|57|40|58)/.test(code) && code !== '42P01' && code !== '3F000';
    return new AuditError(serverError ? 'AUDIT_DATABASE_ERROR' : 'AUDIT_UNAVAILABLE', message, { cause: error });
  }
}
