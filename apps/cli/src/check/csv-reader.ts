/**
 * Streaming CSV reader for `check`: text chunks in, batches of rows out, never the whole file in memory.
 *
 * Fast path + library (bench/RESULTS.md, "check"): a line without a double quote is split on commas — that is exactly what any
 * RFC 4180 parser makes of it. Every line holding a quote goes to papaparse, which decides what it means; while papaparse says
 * the quoted field is unterminated (MissingQuotes) the next line is appended (a field with a newline). Any other papaparse error,
 * a row whose field count differs from the header's, or a quoted field still open at the end stops the run (exit 2) naming the line.
 */
import Papa from 'papaparse';
import { NEEDS_FULL_PARSE, readSerialNumber, readSerialNumberBytes } from '@jpki-validator/status';
import { MalformedInputError } from './errors.js';
import { emptyBatch, IssuerNames, type InputBatch, type InputShape } from './input-batch.js';

/** a quoted field spanning more than this many bytes is taken for broken quoting rather than data */
const MAX_RECORD_CHARS = 1 << 20;
const QUOTE = '"';
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const DQUOTE = 0x22;
const NO_BYTES = Buffer.alloc(0);

export interface CsvReaderOptions {
  /** the name used in error messages (file name, or `stdin`) */
  inputName: string;
  batchRows: number;
}

export class CsvBatchParser {
  private readonly options: CsvReaderOptions;
  private header: string[] | null = null;
  private serialIndex = -1;
  private issuerIndex = -1;
  private lineNo = 0;
  /** the bytes of an unfinished last line, read again with the next chunk */
  private carry: Buffer = NO_BYTES;
  /** a quoted record in progress: its text so far and its first line */
  private pending: string | null = null;
  private pendingLine = 0;
  private readonly issuerNames = new IssuerNames();
  /** the last plain row's issuer cell (bytes) and its id: consecutive rows mostly name the same issuer, compared in place */
  private lastIssuer: Uint8Array = NO_BYTES;
  private lastIssuerId = -1;
  /** the bytes being read: every plain row of the current batch points into them */
  private data: Buffer = NO_BYTES;
  private batch: InputBatch | null = null;
  private readonly full: InputBatch[] = [];

  constructor(options: CsvReaderOptions) {
    this.options = options;
  }

  get shape(): InputShape | null {
    return this.header === null ? null : { format: 'csv', columns: this.header };
  }

  /** feeds bytes as read; returns the batches completed by them */
  push(chunk: Buffer): InputBatch[] {
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = data.subarray(this.scan(data, false));
    // an unfinished line is copied and read again with each chunk: past the record limit it is no row, and a line that never
    // ends must not cost a pass over all of it per chunk
    if (this.carry.length > MAX_RECORD_CHARS) this.fail(this.lineNo + 1, `line runs past ${MAX_RECORD_CHARS} bytes`);
    this.closeBatch();
    return this.full.splice(0);
  }

  /** ends the input: the last line (without a line ending), then the last partial batch */
  end(): InputBatch[] {
    const data = this.carry;
    this.carry = NO_BYTES;
    this.scan(data, true);
    this.closeBatch();
    if (this.pending !== null) this.fail(this.pendingLine, 'quoted field is never closed');
    if (this.header === null) this.fail(0, 'empty input: a CSV header with a `serial` column was expected');
    return this.full.splice(0);
  }

  /**
   * Reads the lines of `data`; returns where the unfinished last line starts (data.length when `final`: it is read too). One pass
   * over the bytes of a line finds its end, its commas and whether it holds a quote; a plain row is then recorded as offsets.
   */
  private scan(data: Buffer, final: boolean): number {
    this.data = data;
    const n = data.length;
    let pos = 0;
    while (pos < n) {
      let p = pos;
      let commas = 0;
      let quoted = false;
      let serialStart = pos;
      let serialEnd = pos;
      let issuerStart = -1;
      let issuerEnd = -1;
      let cell = pos;
      for (; p < n; p++) {
        const c = data[p] as number;
        if (c === LF) break;
        if (c === COMMA) {
          if (commas === this.serialIndex) {
            serialStart = cell;
            serialEnd = p;
          } else if (commas === this.issuerIndex) {
            issuerStart = cell;
            issuerEnd = p;
          }
          commas++;
          cell = p + 1;
        } else if (c === DQUOTE) quoted = true;
      }
      if (p === n && !final) break; // no line ending yet: the next chunk completes the line
      const lineEnd = p;
      this.lineNo++;
      const textEnd = lineEnd > pos && data[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      if (quoted || this.pending !== null || this.header === null) this.line(data, pos, lineEnd);
      else if (textEnd > pos) {
        // blank lines carry no row
        if (commas === this.serialIndex) {
          serialStart = cell;
          serialEnd = textEnd;
        } else if (commas === this.issuerIndex) {
          issuerStart = cell;
          issuerEnd = textEnd;
        }
        this.plainRow(data, pos, textEnd, commas + 1, serialStart, serialEnd, issuerStart, issuerEnd);
      }
      pos = lineEnd + 1;
    }
    return Math.min(pos, n);
  }

  private closeBatch(): void {
    if (this.batch !== null && this.batch.rows > 0) this.full.push(this.batch);
    this.batch = null;
  }

  private openBatch(): InputBatch {
    this.batch ??= emptyBatch(this.options.batchRows, this.data, this.issuerNames.names);
    return this.batch;
  }

  /** a row without quotes, data[start, end): recorded as offsets, its serial read in place */
  private plainRow(
    data: Buffer,
    start: number,
    end: number,
    fields: number,
    serialStart: number,
    serialEnd: number,
    issuerStart: number,
    issuerEnd: number,
  ): void {
    const header = this.header;
    if (header !== null && fields !== header.length) this.fail(this.lineNo, fieldCountMismatch(fields, header.length));
    const b = this.openBatch();
    const i = b.rows;
    b.starts[i] = start;
    b.ends[i] = end;
    const serial = readSerialNumberBytes(data, serialStart, serialEnd);
    b.serials[i] = serial;
    if (serial === NEEDS_FULL_PARSE) b.serialTexts[i] = data.toString('utf8', serialStart, serialEnd);
    b.issuers[i] = issuerStart < 0 ? -1 : this.issuerAt(data, issuerStart, issuerEnd);
    this.added(b);
  }

  private issuerAt(data: Buffer, start: number, end: number): number {
    const last = this.lastIssuer;
    const length = end - start;
    if (length === last.length) {
      let k = 0;
      while (k < length && data[start + k] === last[k]) k++;
      if (k === length) return this.lastIssuerId;
    }
    this.lastIssuer = Buffer.from(data.subarray(start, end));
    this.lastIssuerId = this.issuerNames.idOf(data.toString('utf8', start, end));
    return this.lastIssuerId;
  }

  /** a line the fast path does not take (the header, a line with a quote, a quoted record's continuation), as text */
  private line(data: Buffer, start: number, end: number): void {
    // UTF-8 BOM (Excel writes one)
    if (this.lineNo === 1 && data[start] === 0xef && data[start + 1] === 0xbb && data[start + 2] === 0xbf) start += 3;
    const raw = data.toString('utf8', start, end);
    if (this.pending !== null) {
      this.pending += `\n${raw}`;
      if (this.pending.length > MAX_RECORD_CHARS) this.fail(this.pendingLine, `quoted field runs past ${MAX_RECORD_CHARS} characters`);
      this.quoted(this.pending, this.pendingLine);
      return;
    }
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.length === 0) return; // blank lines carry no row
    if (!text.includes(QUOTE)) {
      this.record(text, text.split(','), this.lineNo);
      return;
    }
    this.pendingLine = this.lineNo;
    this.pending = raw;
    this.quoted(raw, this.lineNo);
  }

  /** a record holding quotes: papaparse reads it, or says it continues on the next line */
  private quoted(text: string, firstLine: number): void {
    const record = text.endsWith('\r') ? text.slice(0, -1) : text;
    const parsed = Papa.parse<string[]>(record, { delimiter: ',', newline: '\n' });
    const errors = parsed.errors.filter((e) => e.code !== 'MissingQuotes');
    if (errors.length > 0) this.fail(firstLine + linesBefore(record, errors[0]?.index), errors.map((e) => e.message).join('; '));
    if (parsed.errors.length > 0) return; // unterminated: wait for the next line
    this.pending = null;
    const fields = parsed.data[0];
    if (parsed.data.length !== 1 || fields === undefined) this.fail(firstLine, 'a quoted record was read as several rows');
    this.record(record, fields, firstLine);
  }

  private record(raw: string, fields: string[], line: number): void {
    if (this.header === null) {
      this.setHeader(fields, line);
      return;
    }
    if (fields.length !== this.header.length) this.fail(line, fieldCountMismatch(fields.length, this.header.length));
    const b = this.openBatch();
    const i = b.rows;
    b.starts[i] = -1;
    b.ends[i] = -1;
    b.raws.set(i, raw);
    b.fields.set(i, fields);
    const serial = fields[this.serialIndex] ?? '';
    b.serials[i] = readSerialNumber(serial, 0, serial.length);
    if (b.serials[i] === NEEDS_FULL_PARSE) b.serialTexts[i] = serial;
    b.issuers[i] = this.issuerIndex < 0 ? -1 : this.issuerNames.idOf(fields[this.issuerIndex] ?? '');
    this.added(b, line);
  }

  /** row b.rows was filled: counts it, and hands the batch on when it is full */
  private added(b: InputBatch, line = this.lineNo): void {
    b.lines[b.rows] = line;
    b.rows++;
    if (b.rows >= this.options.batchRows) this.closeBatch();
  }

  private setHeader(fields: string[], line: number): void {
    const names = fields.map((f) => f.trim().toLowerCase());
    this.serialIndex = names.indexOf('serial');
    if (this.serialIndex < 0) this.fail(line, `the header has no \`serial\` column (columns: ${fields.join(', ')})`);
    this.issuerIndex = names.indexOf('issuer');
    this.header = fields;
  }

  private fail(line: number, why: string): never {
    throw new MalformedInputError('csv', this.options.inputName, line, why);
  }
}

function fieldCountMismatch(fields: number, headerFields: number): string {
  return `${fields} field${fields === 1 ? '' : 's'} where the header has ${headerFields}`;
}

/** lines of a multi-line record before a character index (to name the line an error is on) */
function linesBefore(text: string, index: number | undefined): number {
  if (index === undefined) return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
