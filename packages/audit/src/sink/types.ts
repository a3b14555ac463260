/** What the audit history's storage does, whichever database holds it (PostgreSQL or the embedded SQLite). */
import { AuditError } from '../errors.js';
import type { JournalPosition } from '../journal/format.js';
import type { AuditRow, NewAuditRow } from '../record.js';

export interface AuditFilter {
  /** the contract's form (upper-case hex, no leading zeros) */
  serial?: string;
  /** matches the issuer as asked (id or group) or the CA that answered */
  issuer?: string;
  purpose?: string;
  /** `good`, `revoked`, `valid` … (AuditRow.result) */
  result?: string;
  /** `status`, `batch`, `validate`, `verify`, `audit.delete` */
  route?: string;
  /** the API key's id */
  apiKeyId?: string;
  /** inclusive, ms since the epoch */
  fromMs?: number;
  /** exclusive */
  toMs?: number;
}

/** a place in the history's order (at, id): the keyset a page continues after */
export interface AuditKey {
  atMs: number;
  id: bigint;
}

export interface AuditPageRequest extends AuditFilter {
  /** newest first (default) or oldest first */
  order?: 'desc' | 'asc';
  /** 1 – 1 000 (default 100) */
  limit?: number;
  /** continue after this row */
  after?: AuditKey;
}

export interface AuditPage {
  rows: AuditRow[];
  /** the last row's key when more may follow, else null */
  next: AuditKey | null;
}

export interface PurgeResult {
  /** PostgreSQL: the month partitions dropped */
  partitions: string[];
  /** rows removed (SQLite: counted; PostgreSQL: what the dropped partitions held) */
  rows: number;
}

export interface AuditSink {
  readonly kind: 'sqlite' | 'postgres';
  /** applies every migration not applied yet (idempotent; several processes may race) */
  migrate(): Promise<void>;
  /** where the shipper of this journal stands, null when it never shipped */
  cursor(journalId: string): Promise<JournalPosition | null>;
  /**
   * In one transaction: the rows, and the journal's cursor moved from `from` to `to`. Refuses (CursorMovedError) when the stored
   * cursor is not `from`: another shipper wrote these rows, or a commit whose answer was lost did.
   */
  write(rows: readonly NewAuditRow[], journalId: string, from: JournalPosition, to: JournalPosition): Promise<void>;
  /** the journal is gone: its cursor row is dropped */
  forgetJournal(journalId: string): Promise<void>;
  /** months [from, from + count) made ready ahead of the rows (PostgreSQL partitions; a no-op for SQLite) */
  prepareMonths(fromMs: number, count: number): Promise<void>;
  query(request: AuditPageRequest): Promise<AuditPage>;
  /** how many records match (a figure for a console or a benchmark's check) */
  count(filter: AuditFilter): Promise<number>;
  /** every row of `serials` (and `issuer`, when given) deleted and the deletion's own entry recorded, in one transaction; the count deleted */
  deleteSerials(serials: readonly string[], issuer: string | null, entry: (deleted: number) => NewAuditRow): Promise<number>;
  /** rows older than `beforeMs` removed: whole months on PostgreSQL (a month goes once all of it is older) */
  purge(beforeMs: number): Promise<PurgeResult>;
  close(): Promise<void>;
}

/** The stored cursor is not where this shipper started: it must read the cursor again. */
export class CursorMovedError extends AuditError {
  constructor(readonly stored: JournalPosition | null) {
    super('AUDIT_CURSOR_MOVED', 'the journal cursor moved under this shipper');
  }
}
