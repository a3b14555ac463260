/**
 * Streaming CSV reader for `check`: text chunks in, batches of rows out, never the whole file in memory.
 *
 * Fast path + library (NOTES "CSV throughput"): a line without a double quote is split on commas — that is exactly what any
 * RFC 4180 parser makes of it. Every line holding a quote goes to papaparse, which decides what it means; while papaparse says
 * the quoted field is unterminated (MissingQuotes) the next line is appended (a field with a newline). Any other papaparse error,
 * a row whose field count differs from the header's, or a quoted field still open at the end stops the run (exit 2) naming the line.
 */
import Papa from 'papaparse';
import { MalformedInputError } from './errors.js';
import { emptyBatch, type InputBatch, type InputShape } from './input-batch.js';

/** a quoted field spanning more than this many bytes is taken for broken quoting rather than data */
const MAX_RECORD_CHARS = 1 << 20;
const QUOTE = '"';

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
  private carry = '';
  /** a quoted record in progress: its text so far and its first line */
  private pending: string | null = null;
  private pendingLine = 0;
  private batch: InputBatch = emptyBatch();
  private readonly full: InputBatch[] = [];

  constructor(options: CsvReaderOptions) {
    this.options = options;
  }

  get shape(): InputShape | null {
    return this.header === null ? null : { format: 'csv', columns: this.header };
  }

  /** feeds decoded text; returns the batches completed by it */
  push(text: string): InputBatch[] {
    const data = this.carry.length === 0 ? text : this.carry + text;
    let pos = 0;
    for (;;) {
      const nl = data.indexOf('\n', pos);
      if (nl < 0) break;
      this.line(data, pos, nl);
      pos = nl + 1;
    }
    this.carry = data.slice(pos);
    return this.full.splice(0);
  }

  /** ends the input: the last line (without a line ending), then the last partial batch */
  end(): InputBatch[] {
    if (this.carry.length > 0) this.line(this.carry, 0, this.carry.length);
    this.carry = '';
    if (this.pending !== null) this.fail(this.pendingLine, 'quoted field is never closed');
    if (this.header === null) this.fail(0, 'empty input: a CSV header with a `serial` column was expected');
    if (this.batch.lines.length > 0) this.full.push(this.batch);
    this.batch = emptyBatch();
    return this.full.splice(0);
  }

  /** one physical line data[start, end) (end: the position of its `\n` or the end) */
  private line(data: string, start: number, end: number): void {
    this.lineNo++;
    if (this.lineNo === 1 && data.charCodeAt(start) === 0xfeff) start++; // UTF-8 BOM (Excel writes one)
    const raw = data.slice(start, end);
    if (this.pending !== null) {
      this.pending += `\n${raw}`;
      if (this.pending.length > MAX_RECORD_CHARS) this.fail(this.pendingLine, `quoted field runs past ${MAX_RECORD_CHARS} characters`);
      this.quoted(this.pending, this.pendingLine);
      return;
    }
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.length === 0) return; // blank lines carry no row
    if (!text.includes(QUOTE)) {
      this.plainRecord(text);
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

  /**
   * A row without quotes: its serial and issuer are cut out between commas, no array of every field is built (the writer splits
   * the raw text only when it needs the fields, for JSON Lines output).
   */
  private plainRecord(text: string): void {
    const header = this.header;
    if (header === null) {
      this.record(text, text.split(','), this.lineNo);
      return;
    }
    let commas = 0;
    for (let p = text.indexOf(','); p >= 0; p = text.indexOf(',', p + 1)) commas++;
    if (commas + 1 !== header.length) this.fail(this.lineNo, fieldCountMismatch(commas + 1, header.length));
    this.pushRow(text, null, fieldAt(text, this.serialIndex), this.issuerIndex < 0 ? null : fieldAt(text, this.issuerIndex), this.lineNo);
  }

  private record(raw: string, fields: string[], line: number): void {
    if (this.header === null) {
      this.setHeader(fields, line);
      return;
    }
    if (fields.length !== this.header.length) this.fail(line, fieldCountMismatch(fields.length, this.header.length));
    this.pushRow(raw, fields, fields[this.serialIndex] ?? '', this.issuerIndex < 0 ? null : (fields[this.issuerIndex] ?? null), line);
  }

  private pushRow(raw: string, fields: string[] | null, serial: string, issuer: string | null, line: number): void {
    const b = this.batch;
    b.lines.push(line);
    b.raws.push(raw);
    b.fields.push(fields);
    b.serials.push(serial);
    b.issuers.push(issuer);
    if (b.lines.length >= this.options.batchRows) {
      this.full.push(b);
      this.batch = emptyBatch();
    }
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

/** the index-th comma-separated field of a line without quotes */
function fieldAt(text: string, index: number): string {
  let start = 0;
  for (let i = 0; i < index; i++) start = text.indexOf(',', start) + 1;
  const end = text.indexOf(',', start);
  return end < 0 ? text.slice(start) : text.slice(start, end);
}

/** lines of a multi-line record before a character index (to name the line an error is on) */
function linesBefore(text: string, index: number | undefined): number {
  if (index === undefined) return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
