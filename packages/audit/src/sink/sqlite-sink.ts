/**
 * The audit history embedded: SQLite in the data directory, through `node:sqlite` (built into Node ≥ 22.13 and 24).
 *
 * Why `node:sqlite` rather than better-sqlite3: the same synchronous prepared-statement API, with nothing to build or download —
 * better-sqlite3 is a native addon whose install fetches a prebuilt binary or compiles with node-gyp (python, make, a C++
 * compiler), which a fresh machine or an offline CI may not have. We use only its settled core (DatabaseSync, prepare, run,
 * all, exec). It is loaded when first used, so a process without auditing never touches it.
 *
 * WAL mode lets the API read while the shipper writes; every write is one transaction (BEGIN IMMEDIATE) and waits up to
 * `busyTimeoutMs` for another process's.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { AuditError } from '../errors.js';
import type { JournalPosition } from '../journal/format.js';
import type { NewAuditRow } from '../record.js';
import { INSERT_COLUMNS, rowFromStored, TEXT_FIELDS, type StoredRow } from './columns.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { CursorMovedError, type AuditFilter, type AuditPage, type AuditPageRequest, type AuditSink, type PurgeResult } from './types.js';

type SqlValue = string | number | bigint | null | Uint8Array;

/** the part of node:sqlite used here (typed locally: the repository's @types/node predates the module) */
interface Statement {
  run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  all(...params: SqlValue[]): unknown[];
  get(...params: SqlValue[]): unknown;
}
interface Database {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}
interface SqliteModule {
  DatabaseSync: new (path: string, options?: { timeout?: number }) => Database;
}

function loadSqlite(): SqliteModule {
  try {
    return createRequire(import.meta.url)('node:sqlite') as SqliteModule;
  } catch (error) {
    throw new AuditError(
      'AUDIT_SQLITE_MISSING',
      `the embedded audit history needs node:sqlite (Node ≥ 22.13); this is Node ${process.versions.node}`,
      { cause: error },
    );
  }
}

export interface SqliteSinkOptions {
  /** the database file (its directory is made) */
  path: string;
  /** how long a write waits for another process's (default 5 000 ms) */
  busyTimeoutMs?: number;
}

const SELECT_ROW = `id, at_ms, ${TEXT_FIELDS.map(([, c]) => c).join(', ')}, ocsp_produced_ms, data_age_seconds, personal_shown`;

export class SqliteSink implements AuditSink {
  readonly kind = 'sqlite';
  private readonly db: Database;
  private insert: Statement | null = null;
  private insertMany: Statement | null = null;

  constructor(options: SqliteSinkOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    const { DatabaseSync } = loadSqlite();
    this.db = new DatabaseSync(options.path, { timeout: options.busyTimeoutMs ?? 5_000 });
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  }

  async migrate(): Promise<void> {
    this.transaction(() => {
      this.db.exec(`CREATE TABLE IF NOT EXISTS audit_schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)`);
      const applied = new Set(
        (this.db.prepare('SELECT version FROM audit_schema_migrations').all() as { version: number }[]).map((r) => r.version),
      );
      const newest = Math.max(0, ...applied);
      const known = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));
      if (newest > known)
        throw new AuditError(
          'AUDIT_SCHEMA_TOO_NEW',
          `the embedded audit database is at version ${newest}; this release knows up to ${known}`,
        );
      for (const m of SQLITE_MIGRATIONS) {
        if (applied.has(m.version)) continue;
        this.db.exec(m.sql);
        this.db
          .prepare('INSERT INTO audit_schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)')
          .run(m.version, m.name, Date.now());
      }
    });
  }

  async cursor(journalId: string): Promise<JournalPosition | null> {
    const r = this.db.prepare('SELECT segment, "offset" AS "offset" FROM audit_journal_cursors WHERE journal = ?').get(journalId) as
      | { segment: number; offset: number }
      | undefined;
    return r === undefined ? null : { segment: Number(r.segment), offset: Number(r.offset) };
  }

  async write(rows: readonly NewAuditRow[], journalId: string, from: JournalPosition, to: JournalPosition): Promise<void> {
    this.transaction(() => {
      const r = this.db.prepare('SELECT segment, "offset" AS "offset" FROM audit_journal_cursors WHERE journal = ?').get(journalId) as
        | { segment: number; offset: number }
        | undefined;
      const at = r === undefined ? { segment: 1, offset: 0 } : { segment: Number(r.segment), offset: Number(r.offset) };
      if (at.segment !== from.segment || at.offset !== from.offset) throw new CursorMovedError(r === undefined ? null : at);
      this.insertRows(rows);
      this.db
        .prepare(
          `INSERT INTO audit_journal_cursors (journal, segment, "offset", updated_ms) VALUES (?, ?, ?, ?)
           ON CONFLICT (journal) DO UPDATE SET segment = excluded.segment, "offset" = excluded."offset", updated_ms = excluded.updated_ms`,
        )
        .run(journalId, to.segment, to.offset, Date.now());
    });
  }

  async forgetJournal(journalId: string): Promise<void> {
    this.db.prepare('DELETE FROM audit_journal_cursors WHERE journal = ?').run(journalId);
  }

  async prepareMonths(): Promise<void> {
    // one table: nothing to prepare
  }

  async query(request: AuditPageRequest): Promise<AuditPage> {
    const limit = request.limit ?? 100;
    const desc = (request.order ?? 'desc') === 'desc';
    const { where, params } = filterOf(request);
    if (request.after !== undefined) {
      where.push(`(at_ms, id) ${desc ? '<' : '>'} (?, ?)`);
      params.push(request.after.atMs, request.after.id);
    }
    const dir = desc ? 'DESC' : 'ASC';
    params.push(limit + 1);
    const found = this.db
      .prepare(
        `SELECT ${SELECT_ROW} FROM audit_records ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at_ms ${dir}, id ${dir} LIMIT ?`,
      )
      .all(...params) as StoredRow[];
    const more = found.length > limit;
    const page = more ? found.slice(0, limit) : found;
    const last = page[page.length - 1];
    return { rows: page.map(rowFromStored), next: more && last !== undefined ? { atMs: Number(last.at_ms), id: BigInt(last.id) } : null };
  }

  async count(filter: AuditFilter): Promise<number> {
    const { where, params } = filterOf(filter);
    const r = this.db
      .prepare(`SELECT count(*) AS n FROM audit_records ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`)
      .get(...params) as {
      n: number;
    };
    return Number(r.n);
  }

  async deleteSerials(serials: readonly string[], issuer: string | null, entry: (deleted: number) => NewAuditRow): Promise<number> {
    return this.transaction(() => {
      let deleted = 0;
      const one =
        issuer === null
          ? this.db.prepare('DELETE FROM audit_records WHERE serial = ?')
          : this.db.prepare('DELETE FROM audit_records WHERE serial = ? AND (issuer = ? OR ca_id = ?)');
      for (const serial of serials) deleted += Number((issuer === null ? one.run(serial) : one.run(serial, issuer, issuer)).changes);
      this.insertRow(entry(deleted));
      return deleted;
    });
  }

  async purge(beforeMs: number): Promise<PurgeResult> {
    const r = this.transaction(() => this.db.prepare('DELETE FROM audit_records WHERE at_ms < ?').run(beforeMs));
    return { partitions: [], rows: Number(r.changes) };
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private insertRow(row: NewAuditRow): void {
    this.insert ??= this.db.prepare(insertSql(1));
    this.insert.run(...rowValues(row, []));
  }

  /** rows MULTI_ROWS at a time in one statement (a call into SQLite per row is most of the cost), the rest one by one */
  private insertRows(rows: readonly NewAuditRow[]): void {
    let i = 0;
    if (rows.length >= MULTI_ROWS) {
      this.insertMany ??= this.db.prepare(insertSql(MULTI_ROWS));
      const values: SqlValue[] = [];
      for (; i + MULTI_ROWS <= rows.length; i += MULTI_ROWS) {
        values.length = 0;
        for (let k = i; k < i + MULTI_ROWS; k++) rowValues(rows[k] as NewAuditRow, values);
        this.insertMany.run(...values);
      }
    }
    for (; i < rows.length; i++) this.insertRow(rows[i] as NewAuditRow);
  }

  private transaction<T>(work: () => T): T {
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw wrap(error);
    }
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // no transaction left to roll back (COMMIT failed after ending it)
      }
      throw wrap(error);
    }
  }
}

/** rows per multi-row INSERT: 64 × 21 parameters, well under SQLite's limit of 32 766 */
const MULTI_ROWS = 64;

function insertSql(rows: number): string {
  const one = `(?, ${INSERT_COLUMNS.map(() => '?').join(', ')})`;
  return `INSERT INTO audit_records (at_ms, ${INSERT_COLUMNS.map((c) => (c === 'ocsp_produced_at' ? 'ocsp_produced_ms' : c)).join(', ')})
    VALUES ${Array.from({ length: rows }, () => one).join(', ')}`;
}

function rowValues(row: NewAuditRow, into: SqlValue[]): SqlValue[] {
  into.push(Math.round(row.atMs));
  for (const [field] of TEXT_FIELDS) into.push(row[field] as string | null);
  into.push(row.ocspProducedAt === null ? null : Date.parse(row.ocspProducedAt));
  into.push(row.dataAgeSeconds);
  into.push(row.personalShown === null ? null : row.personalShown ? 1 : 0);
  return into;
}

function filterOf(filter: AuditFilter): { where: string[]; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (filter.serial !== undefined) {
    where.push('serial = ?');
    params.push(filter.serial);
  }
  if (filter.issuer !== undefined) {
    where.push('(issuer = ? OR ca_id = ?)');
    params.push(filter.issuer, filter.issuer);
  }
  for (const [column, value] of [
    ['purpose', filter.purpose],
    ['result', filter.result],
    ['route', filter.route],
    ['api_key_id', filter.apiKeyId],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (filter.fromMs !== undefined) {
    where.push('at_ms >= ?');
    params.push(filter.fromMs);
  }
  if (filter.toMs !== undefined) {
    where.push('at_ms < ?');
    params.push(filter.toMs);
  }
  return { where, params };
}

/** a lock held too long by another process passes (AUDIT_UNAVAILABLE); anything else is a fault */
function wrap(error: unknown): unknown {
  if (error instanceof AuditError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const busy = /database is (locked|busy)/i.test(message);
  return new AuditError(busy ? 'AUDIT_UNAVAILABLE' : 'AUDIT_DATABASE_ERROR', `embedded audit database: ${message}`, { cause: error });
}
