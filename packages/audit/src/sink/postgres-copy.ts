/**
 * Rows into PostgreSQL by `COPY … FROM STDIN (FORMAT binary)`, inside the transaction that also moves the journal's cursor
 * (COPY FROM STDIN is an ordinary statement of the transaction: no staging table is needed for exactly-once).
 *
 * Why binary COPY rather than `INSERT … unnest($1::text[], …)`: node-postgres turns each array parameter into an array literal
 * (a quoting regular expression per element) and the server parses it back; a profile of the shipper at 2.8 M rows showed that
 * quoting as most of its time, and the server's array parsing competes with the API on the same machine at full priority.
 * Binary COPY is one length-prefixed buffer written in one pass over the rows, read by the server without text parsing.
 *
 * node-postgres has no COPY API of its own; `CopyIn` is a query object of its documented "submittable" kind (what pg-cursor and
 * pg-copy-streams are), answering the server's CopyInResponse with the buffer and settling at ReadyForQuery.
 */
import type pg from 'pg';
import type { NewAuditRow } from '../record.js';
import { TEXT_FIELDS } from './columns.js';

/** microseconds from the Unix epoch to PostgreSQL's (2000-01-01T00:00:00Z) */
const PG_EPOCH_US = 946_684_800_000_000;
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** at, the text fields, ocsp_produced_at, data_age_seconds, personal_shown */
const FIELDS = 1 + TEXT_FIELDS.length + 3;
const TEXT_KEYS = TEXT_FIELDS.map(([field]) => field);

/** Encodes rows as a binary COPY stream into one buffer, reused (and grown) from batch to batch. */
export class CopyEncoder {
  private buf = Buffer.allocUnsafe(2 ** 20);
  private pos = 0;

  /** the whole COPY stream of `rows` (a view of the encoder's buffer: valid until the next call) */
  encode(rows: readonly NewAuditRow[]): Buffer {
    this.pos = 0;
    this.room(SIGNATURE.length + 8);
    this.pos += SIGNATURE.copy(this.buf, 0);
    this.buf.writeInt32BE(0, this.pos); // flags
    this.buf.writeInt32BE(0, this.pos + 4); // header extension length
    this.pos += 8;
    for (const row of rows) this.row(row);
    this.room(2);
    this.buf.writeInt16BE(-1, this.pos);
    this.pos += 2;
    return this.buf.subarray(0, this.pos);
  }

  private row(r: NewAuditRow): void {
    // fixed parts: count, at, ocsp_produced_at, data_age_seconds, personal_shown; text parts are checked as they come
    this.room(2 + 12 + 12 + 8 + 5);
    this.buf.writeInt16BE(FIELDS, this.pos);
    this.pos += 2;
    this.timestamp(r.atMs);
    for (const key of TEXT_KEYS) this.text(r[key] as string | null);
    if (r.ocspProducedAt === null) this.nullField();
    else this.timestamp(Date.parse(r.ocspProducedAt));
    if (r.dataAgeSeconds === null) this.nullField();
    else {
      this.buf.writeInt32BE(4, this.pos);
      this.buf.writeInt32BE(r.dataAgeSeconds, this.pos + 4);
      this.pos += 8;
    }
    if (r.personalShown === null) this.nullField();
    else {
      this.buf.writeInt32BE(1, this.pos);
      this.buf[this.pos + 4] = r.personalShown ? 1 : 0;
      this.pos += 5;
    }
  }

  private nullField(): void {
    this.room(4);
    this.buf.writeInt32BE(-1, this.pos);
    this.pos += 4;
  }

  /** timestamptz: int64 microseconds since 2000-01-01 UTC, written as two 32-bit halves (no BigInt per row) */
  private timestamp(ms: number): void {
    this.room(12);
    const us = Math.round(ms * 1000) - PG_EPOCH_US;
    const high = Math.floor(us / 4_294_967_296);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeInt32BE(high, this.pos + 4);
    this.buf.writeUInt32BE(us - high * 4_294_967_296, this.pos + 8);
    this.pos += 12;
  }

  private text(s: string | null): void {
    if (s === null) {
      this.nullField();
      return;
    }
    const n = s.length;
    this.room(4 + n * 3);
    const buf = this.buf;
    const start = this.pos + 4;
    // ASCII (nearly every value: ids, serials, codes) byte by byte; anything else through the UTF-8 encoder
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[start + i] = c;
    }
    const bytes = i === n ? n : i + buf.write(s.slice(i), start + i, 'utf8');
    buf.writeInt32BE(bytes, this.pos);
    this.pos = start + bytes;
  }

  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

/** `COPY … FROM STDIN` with `data` as the whole input, as a node-postgres query object; resolves with the rows copied */
export class CopyIn {
  readonly promise: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (error: unknown) => void;
  private error: unknown = null;
  private rows = 0;
  private settled = false;

  constructor(
    private readonly text: string,
    private readonly data: Buffer,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** node-postgres: the query is sent */
  submit(connection: Connection): void {
    connection.query(this.text);
  }

  /** the server is ready for the data: all of it in one CopyData message, then CopyDone */
  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    const n = /^COPY (\d+)/.exec(message.text ?? '');
    if (n !== null) this.rows = Number(n[1]);
  }

  /** a server error (answered by ReadyForQuery after it) or a lost connection (nothing after it): settled now either way */
  handleError(error: unknown): void {
    this.error ??= error;
    this.settle();
  }

  handleReadyForQuery(): void {
    this.settle();
  }

  // the other answers a query object may get; a COPY FROM answers none of them
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.error !== null) this.reject(this.error);
    else this.resolve(this.rows);
  }
}

/** the part of node-postgres's connection a COPY FROM uses */
interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** runs `copy` on the client (inside its transaction) */
export async function copyIn(client: pg.PoolClient, copy: CopyIn): Promise<number> {
  // a submittable is accepted by pg's query() at run time; its types only know Query-shaped ones
  (client as unknown as { query(q: CopyIn): unknown }).query(copy);
  return copy.promise;
}
