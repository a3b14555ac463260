/**
 * Writes `check`'s output: the input row unchanged plus the added columns, in input order, as CSV or JSON Lines, one batch at a
 * time with backpressure (one write per batch). A CSV row read from CSV is written back byte for byte (its raw text) followed by the new cells; the new
 * cells never need quoting (status words, reason names, RFC 3339 times, decimal numbers, snake_case meanings and details).
 */
import type { Writable } from 'node:stream';
import Papa from 'papaparse';
import { formatTime, writeTime } from '@jpki-validator/x509';
import { csvFields, type InputBatch, type InputShape } from './input-batch.js';
import type { OutcomeTable, RowOutcome } from './outcomes.js';
import { ADDED_COLUMNS, type RowAnswer } from './row-answer.js';
import type { SliceAnswers } from './sources/types.js';

export type OutputFormat = 'csv' | 'jsonl';

export interface RowWriterOptions {
  /** a last `meaningLabel` column (`check --lang`) */
  labelled?: boolean;
  /** revokedAt in a time zone (`--tz`): this formatter instead of the contract's UTC `Z` form */
  formatTime?: ((ms: number) => string) | null;
}

/** revokedAt as text or into the output bytes: x509's formatTime and writeTime, or a time zone's formatter (`--tz`) */
interface TimeWriter {
  text(ms: number): string;
  write(ms: number, out: Uint8Array, at: number): number;
}

export class RowWriter {
  private readonly out: Writable;
  private readonly outputFormat: OutputFormat;
  private readonly times: TimeWriter;
  private readonly labelled: boolean;
  private headerWritten = false;
  /** the last batch's buffer size: the next one starts there */
  private lastBytes = 0;

  constructor(out: Writable, format: OutputFormat, options: RowWriterOptions = {}) {
    this.out = out;
    this.outputFormat = format;
    this.labelled = options.labelled === true;
    const zoned = options.formatTime;
    this.times = zoned
      ? {
          text: zoned,
          write: (ms, bytes, at) => at + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).write(zoned(ms), at, 'latin1'),
        }
      : { text: formatTime, write: writeTime };
  }

  /** The output of a batch's rows (the CSV header first, once), written with one call. */
  format(shape: InputShape, batch: InputBatch, answers: SliceAnswers, table: OutcomeTable): Buffer | string {
    let header = '';
    if (!this.headerWritten) {
      this.headerWritten = true;
      if (this.outputFormat === 'csv') header = csvHeader(shape, this.labelled);
    }
    if (this.outputFormat === 'jsonl') return header + this.jsonRows(shape, batch, answers, table);
    if (shape.format !== 'csv') return header + this.csvRowsOfObjects(shape, batch, answers, table);
    return this.csvRows(Buffer.from(header, 'utf8'), batch, answers, table);
  }

  /** writes a batch's output; resolves when the stream can take more */
  write(chunk: Buffer | string): Promise<void> {
    return writeText(this.out, chunk);
  }

  /** an input without rows still gets its header */
  async finish(shape: InputShape): Promise<void> {
    if (!this.headerWritten && this.outputFormat === 'csv') {
      this.headerWritten = true;
      await writeText(this.out, csvHeader(shape, this.labelled));
    }
  }

  /**
   * CSV in, CSV out — the hot loop, in bytes: each row's line is copied from the input bytes as read (never decoded, so passed
   * through exactly), then the outcome's precomputed cells (a revoked row's date written in between). One buffer per batch.
   */
  private csvRows(header: Buffer, batch: InputBatch, answers: SliceAnswers, table: OutcomeTable): Buffer {
    const { data, starts, ends, rows } = batch;
    const outcomes = table.outcomes;
    let out: Buffer = Buffer.allocUnsafe(Math.max(this.lastBytes, header.length + rows * 96));
    let o = header.copy(out, 0);
    for (let i = 0; i < rows; i++) {
      const oc = outcomes[answers.outcome[i] as number] as RowOutcome;
      const start = starts[i] as number;
      const raw = start >= 0 ? null : (batch.raws.get(i) ?? '');
      const lineBytes = raw === null ? (ends[i] as number) - start : Buffer.byteLength(raw);
      if (o + lineBytes + oc.maxBytes > out.length) out = grown(out, o, lineBytes + oc.maxBytes);
      o = raw === null ? copyBytes(out, o, data, start, ends[i] as number) : o + out.write(raw, o, 'utf8');
      if (oc.revoked) {
        o = put(out, o, oc.beforeBytes);
        const ms = answers.revokedAtMs[i] as number;
        if (!Number.isNaN(ms)) o = this.times.write(ms, out, o);
        o = put(out, o, oc.afterBytes);
      } else o = put(out, o, oc.cellsBytes);
    }
    this.lastBytes = out.length;
    return out.subarray(0, o);
  }

  private csvRowsOfObjects(shape: InputShape, batch: InputBatch, answers: SliceAnswers, table: OutcomeTable): string {
    const parts = new Array<string>(batch.rows);
    for (let i = 0; i < batch.rows; i++) {
      const o = table.outcomes[answers.outcome[i] as number] as RowOutcome;
      const line = csvOfObject(shape.columns, batch.objects[i] ?? {});
      const ms = answers.revokedAtMs[i] as number;
      parts[i] = o.revoked ? line + o.before + (Number.isNaN(ms) ? '' : this.times.text(ms)) + o.after : line + o.cells;
    }
    return parts.join('');
  }

  private jsonRows(shape: InputShape, batch: InputBatch, answers: SliceAnswers, table: OutcomeTable): string {
    const parts = new Array<string>(batch.rows);
    for (let i = 0; i < batch.rows; i++) {
      const o = table.outcomes[answers.outcome[i] as number] as RowOutcome;
      const ms = answers.revokedAtMs[i] as number;
      const answer: RowAnswer = o.revoked ? { ...o.answer, revokedAt: Number.isNaN(ms) ? null : this.times.text(ms) } : o.answer;
      const input = shape.format === 'jsonl' ? (batch.objects[i] ?? {}) : objectOfFields(shape.columns, csvFields(batch, i));
      parts[i] = `${JSON.stringify({ ...input, ...answer })}\n`;
    }
    return parts.join('');
  }
}

/** a copy of out[0, used) in a buffer with room for `more` bytes after it */
function grown(out: Buffer, used: number, more: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, used + more));
  out.copy(bigger, 0, 0, used);
  return bigger;
}

/** copies a few bytes (a row's cells): a loop beats a native call at this size */
function put(out: Buffer, at: number, bytes: Uint8Array): number {
  let o = at;
  for (let k = 0; k < bytes.length; k++) out[o++] = bytes[k] as number;
  return o;
}

/** copies from[start, end) (a row's line, tens of bytes) to out at `at`; Buffer#copy's checks cost more than the copy here */
function copyBytes(out: Buffer, at: number, from: Uint8Array, start: number, end: number): number {
  let o = at;
  for (let p = start; p < end; p++) out[o++] = from[p] as number;
  return o;
}

function csvHeader(shape: InputShape, labelled: boolean): string {
  return `${Papa.unparse([[...shape.columns, ...ADDED_COLUMNS, ...(labelled ? ['meaningLabel'] : [])]], { newline: '\n' })}\n`;
}

/** JSON Lines input → CSV: the first object's keys are the columns (documented); other keys of later objects are left out */
function csvOfObject(columns: readonly string[], object: Record<string, unknown>): string {
  return Papa.unparse([columns.map((c) => cellText(object[c]))], { newline: '\n' });
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function objectOfFields(columns: readonly string[], fields: readonly string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let c = 0; c < columns.length; c++) object[columns[c] as string] = fields[c] ?? '';
  return object;
}

/**
 * Output the stream may hold before the writer waits: well above a batch, so reading and answering the next batch overlap the
 * file write of this one (the stream's own highWaterMark, 16 KiB for a file, would make every batch wait).
 */
const MAX_BUFFERED_BYTES = 8 << 20;

export async function writeText(out: Writable, text: Buffer | string): Promise<void> {
  if (text.length === 0) return;
  if (!out.write(text) && out.writableLength > MAX_BUFFERED_BYTES)
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        out.off('error', onError);
        resolve();
      };
      const onError = (error: Error) => {
        out.off('drain', onDrain);
        reject(error);
      };
      out.once('drain', onDrain);
      out.once('error', onError);
    });
}
