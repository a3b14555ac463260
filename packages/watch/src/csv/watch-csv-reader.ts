/**
 * Streaming reader of a watch-list CSV (`customerId,issuer,serial[,notAfter]`, header first, columns in any order, other columns
 * ignored): bytes in, one callback per row with the byte ranges of its four cells — no string and no object per row on the fast
 * path, which is what lets 10 M rows import in seconds.
 *
 * Fast path + library (as check’s reader: bench/RESULTS.md, "check"): a line without a double quote is split on commas, which is exactly what any
 * RFC 4180 parser makes of it. A line holding a quote starts a record that papaparse reads once it is complete — complete when
 * its quotes balance at a line end, counted as the bytes go by (never re-parsing a growing record). A record still open at the
 * end of the input, or longer than MAX_RECORD_BYTES, is an error naming the line it started on and the field whose quote never
 * closed — a short message, never the record itself.
 */
import Papa from 'papaparse';
import { WatchRowError } from '../errors.js';

const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const DQUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;
/** a quoted record longer than this is broken quoting, not data */
export const MAX_RECORD_BYTES = 64 * 1024;
const NO_BYTES = Buffer.alloc(0);

export const WATCH_COLUMNS = ['customerId', 'issuer', 'serial', 'notAfter'] as const;
export type WatchColumn = (typeof WATCH_COLUMNS)[number];
const REQUIRED: readonly WatchColumn[] = ['customerId', 'issuer', 'serial'];

/**
 * One row: `cells` holds [start, end) byte offsets into `bytes` for customerId, issuer, serial, notAfter (in that order; -1, -1
 * for an absent notAfter), spaces trimmed. `bytes` and `cells` are reused: read them before returning.
 */
export type WatchRowCallback = (bytes: Uint8Array, cells: Int32Array, line: number) => void;

export class WatchCsvReader {
  private readonly onRow: WatchRowCallback;
  private readonly cells = new Int32Array(8);
  /** column index of customerId, issuer, serial, notAfter (-1: absent) */
  private readonly columnAt = new Int32Array(4).fill(-1);
  /** per header field: which cell it is (0 … 3, the order of WATCH_COLUMNS), -1 for a column not read */
  private cellOfField = new Int32Array(0);
  private header: string[] | null = null;
  /** fields a row may have: the header's count; rows may omit trailing optional columns down to `minFields` */
  private minFields = 0;
  private lineNo = 0;
  private carry: Buffer = NO_BYTES;
  /** a quoted record in progress: its bytes so far, its first line, whether its quotes are open */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingLine = 0;
  private quoteOpen = false;
  private rowsRead = 0;

  constructor(onRow: WatchRowCallback) {
    this.onRow = onRow;
  }

  get rows(): number {
    return this.rowsRead;
  }

  get lines(): number {
    return this.lineNo;
  }

  /**
   * Rows are read in place in `chunk`; only a line split between two chunks is copied (joined with the next chunk's head), so
   * the caller may hand in the same buffer refilled each time.
   */
  push(chunk: Buffer): void {
    let from = 0;
    if (this.carry.length > 0) {
      const lf = chunk.indexOf(LF);
      if (lf < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, lf + 1)]);
      this.carry = NO_BYTES;
      this.scan(line, 0, false);
      from = lf + 1;
    }
    const rest = this.scan(chunk, from, false);
    if (rest < chunk.length) this.carry = Buffer.from(chunk.subarray(rest));
  }

  /** the last line (without a line ending); then checks that the input had a header and no quoted field left open */
  end(): void {
    const data = this.carry;
    this.carry = NO_BYTES;
    this.scan(data, 0, true);
    if (this.pending.length > 0) this.unclosedQuote();
    if (this.header === null)
      throw new WatchRowError(1, 'header', 'no header: the file is empty (expected customerId,issuer,serial[,notAfter])');
  }

  /** reads the lines from `start`; returns where the unfinished last line starts (data.length when `final`) */
  private scan(data: Buffer, start: number, final: boolean): number {
    const n = data.length;
    let pos = start;
    while (pos < n) {
      if (this.header !== null && this.pending.length === 0) {
        pos = this.plainRows(data, pos, final);
        if (pos >= n) break;
      }
      // here: the header, a line holding a quote, a line of a quoted record — or an unfinished line, left for the next chunk
      const lf = data.indexOf(LF, pos);
      if (lf < 0 && !final) break;
      const lineEnd = lf < 0 ? n : lf;
      let quotes = 0;
      for (let q = pos; q < lineEnd; q++) if (data[q] === DQUOTE) quotes++;
      this.lineNo++;
      this.slowLine(data, pos, lineEnd, quotes);
      pos = lineEnd + 1;
    }
    return Math.min(pos, n);
  }

  /**
   * Lines without a quote, from `start`, split on commas in one pass over their bytes (every byte of an id, a serial or a date is
   * above the comma, so most bytes cost one comparison). Returns where it stopped: the end of the data, the start of the first
   * line holding a quote, or the start of an unfinished last line (unless `final`).
   */
  private plainRows(data: Buffer, start: number, final: boolean): number {
    const n = data.length;
    const cells = this.cells;
    const cellOf = this.cellOfField;
    const fieldsKnown = cellOf.length;
    const minFields = this.minFields;
    const onRow = this.onRow;
    let lineStart = start;
    while (lineStart < n) {
      cells[6] = -1;
      cells[7] = -1;
      let field = 0;
      let cell = lineStart;
      let p = lineStart;
      let c = 0;
      let blanks = false;
      for (; p < n; p++) {
        c = data[p] as number;
        if (c > COMMA) continue;
        if (c === COMMA) {
          const k = field < fieldsKnown ? (cellOf[field] as number) : -1;
          if (k >= 0) {
            cells[k * 2] = cell;
            cells[k * 2 + 1] = p;
          }
          field++;
          cell = p + 1;
        } else if (c === LF || c === DQUOTE) break;
        else if (c === SPACE || c === TAB) blanks = true;
      }
      if (p === n ? !final : c === DQUOTE) return lineStart;
      const line = ++this.lineNo;
      const textEnd = p > lineStart && data[p - 1] === CR ? p - 1 : p;
      lineStart = p + 1;
      // an empty line, or one of spaces, carries no row
      if (field === 0 && (textEnd === cell || (blanks && isBlankRange(data, cell, textEnd)))) continue;
      const k = field < fieldsKnown ? (cellOf[field] as number) : -1;
      if (k >= 0) {
        cells[k * 2] = cell;
        cells[k * 2 + 1] = textEnd;
      }
      if (++field > fieldsKnown || field < minFields) this.checkFieldCount(field, line);
      // spaces around a cell are not part of it (rare: looked for only in a line that holds a space or a tab)
      if (blanks)
        for (let j = 0; j < 8; j += 2) {
          const s = cells[j] as number;
          const e = cells[j + 1] as number;
          if (s >= 0 && e > s && (isBlank(data[s] as number) || isBlank(data[e - 1] as number))) this.trimCell(data, j);
        }
      // a notAfter cell that is empty is absent: unknown
      if (cells[6] === cells[7]) {
        cells[6] = -1;
        cells[7] = -1;
      }
      this.rowsRead++;
      onRow(data, cells, line);
    }
    return n;
  }

  private trimCell(data: Buffer, j: number): void {
    let s = this.cells[j] as number;
    let e = this.cells[j + 1] as number;
    while (s < e && isBlank(data[s] as number)) s++;
    while (e > s && isBlank(data[e - 1] as number)) e--;
    this.cells[j] = s;
    this.cells[j + 1] = e;
  }

  /** the header, a line with a quote, or the continuation of a quoted record */
  private slowLine(data: Buffer, start: number, end: number, quotes: number): void {
    let s = start;
    if (this.lineNo === 1 && data[s] === 0xef && data[s + 1] === 0xbb && data[s + 2] === 0xbf) s += 3; // UTF-8 BOM
    if (this.pending.length === 0) {
      this.pendingLine = this.lineNo;
      this.quoteOpen = false;
    }
    const bytes = data.subarray(s, end);
    if (this.pending.length > 0) this.pending.push(Buffer.from('\n'));
    this.pending.push(Buffer.from(bytes));
    this.pendingBytes += bytes.length + 1;
    if (quotes % 2 === 1) this.quoteOpen = !this.quoteOpen;
    if (this.quoteOpen) {
      if (this.pendingBytes > MAX_RECORD_BYTES) this.unclosedQuote(`is not closed within ${MAX_RECORD_BYTES} bytes`);
      return;
    }
    const record = Buffer.concat(this.pending).toString('utf8');
    const line = this.pendingLine;
    this.pending = [];
    this.pendingBytes = 0;
    this.record(record.endsWith('\r') ? record.slice(0, -1) : record, line);
  }

  private record(text: string, line: number): void {
    if (text.length === 0) return; // blank line
    const parsed = Papa.parse<string[]>(text, { delimiter: ',', newline: '\n' });
    const error = parsed.errors[0];
    if (error !== undefined)
      throw new WatchRowError(line, this.fieldNameAt(text, error.index ?? 0), `malformed quoting (${error.message})`);
    const fields = parsed.data[0];
    if (parsed.data.length !== 1 || fields === undefined) throw new WatchRowError(line, 'row', 'a quoted record was read as several rows');
    if (this.header === null) {
      this.setHeader(fields, line);
      return;
    }
    this.checkFieldCount(fields.length, line);
    // the cells as one buffer, so both paths hand the same shape on
    const parts: Buffer[] = [];
    const cells = this.cells;
    cells.fill(-1);
    let offset = 0;
    for (let k = 0; k < 4; k++) {
      const column = this.columnAt[k] as number;
      if (column < 0 || column >= fields.length) continue;
      const bytes = Buffer.from((fields[column] ?? '').trim(), 'utf8');
      parts.push(bytes);
      cells[k * 2] = offset;
      cells[k * 2 + 1] = offset + bytes.length;
      offset += bytes.length;
    }
    this.emit(Buffer.concat(parts), line);
  }

  private emit(bytes: Uint8Array, line: number): void {
    const cells = this.cells;
    // a notAfter cell that is absent or empty is the same: unknown
    if (cells[6] === cells[7]) {
      cells[6] = -1;
      cells[7] = -1;
    }
    this.rowsRead++;
    this.onRow(bytes, cells, line);
  }

  private setHeader(fields: string[], line: number): void {
    const names = fields.map((f) => f.trim());
    const missing = REQUIRED.filter((c) => !names.includes(c));
    if (missing.length > 0)
      throw new WatchRowError(
        line,
        missing[0] as string,
        `missing column (the header must hold customerId,issuer,serial[,notAfter]; it holds ${clip(names.join(','))})`,
      );
    WATCH_COLUMNS.forEach((c, k) => {
      this.columnAt[k] = names.indexOf(c);
    });
    this.cellOfField = new Int32Array(names.length).fill(-1);
    WATCH_COLUMNS.forEach((c, k) => {
      if (names.includes(c)) this.cellOfField[names.indexOf(c)] = k;
    });
    // trailing optional columns may be left out of a row; every column up to the last required one must be there
    this.minFields = Math.max(...REQUIRED.map((c) => names.indexOf(c))) + 1;
    this.header = names;
  }

  private checkFieldCount(fields: number, line: number): void {
    const header = this.header as string[];
    if (fields > header.length || fields < this.minFields)
      throw new WatchRowError(line, 'row', `${fields} field${fields === 1 ? '' : 's'} where the header has ${header.length}`);
  }

  private unclosedQuote(how = 'is never closed'): never {
    const text = Buffer.concat(this.pending).subarray(0, MAX_RECORD_BYTES).toString('utf8');
    throw new WatchRowError(this.pendingLine, this.fieldNameAt(text, openQuoteAt(text)), `a quoted field ${how}`);
  }

  /** the header name (or "field N") of the field holding character `index` of a record */
  private fieldNameAt(text: string, index: number): string {
    let field = 0;
    let quoted = false;
    for (let i = 0; i < Math.min(index, text.length); i++) {
      const c = text.charCodeAt(i);
      if (c === DQUOTE) quoted = !quoted;
      else if (c === COMMA && !quoted) field++;
    }
    if (this.header === null) return 'header';
    return this.header[field] ?? `field ${field + 1}`;
  }
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

function isBlankRange(data: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isBlank(data[i] as number)) return false;
  return true;
}

/** where the quote that is still open at the end of `text` was opened */
function openQuoteAt(text: string): number {
  let open = -1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === DQUOTE) open = open < 0 ? i : -1;
  return Math.max(0, open);
}

function clip(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
