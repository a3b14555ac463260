/**
 * Writes `check`'s output: the input row unchanged plus the added columns, in input order, as CSV or JSON Lines, one batch at a
 * time with backpressure. A CSV row read from CSV is written back byte for byte (its raw text) followed by the new cells; the new
 * cells never need quoting (status words, reason names, RFC 3339 times, decimal numbers, snake_case meanings and details).
 */
import type { Writable } from 'node:stream';
import Papa from 'papaparse';
import type { InputBatch, InputShape } from './input-batch.js';
import { ADDED_COLUMNS, type RowAnswer } from './row-answer.js';

export type OutputFormat = 'csv' | 'jsonl';

export class RowWriter {
  private readonly out: Writable;
  private readonly outputFormat: OutputFormat;
  private headerWritten = false;

  constructor(out: Writable, format: OutputFormat) {
    this.out = out;
    this.outputFormat = format;
  }

  /**
   * The text of rows [start, start + answers.length) of a batch (the CSV header first, once). Formatting a slice as soon as it is
   * answered lets the answer objects die young: held for a whole large batch, they outlive V8's young generation and GC dominates.
   */
  format(shape: InputShape, batch: InputBatch, start: number, answers: readonly RowAnswer[]): string {
    let text = '';
    if (!this.headerWritten) {
      this.headerWritten = true;
      if (this.outputFormat === 'csv') text += `${Papa.unparse([[...shape.columns, ...ADDED_COLUMNS]], { newline: '\n' })}\n`;
    }
    return text + (this.outputFormat === 'csv' ? csvRows(shape, batch, start, answers) : jsonRows(shape, batch, start, answers));
  }

  /** writes text; resolves when the stream can take more */
  write(text: string): Promise<void> {
    return writeText(this.out, text);
  }

  /** an input without rows still gets its header */
  async finish(shape: InputShape): Promise<void> {
    if (!this.headerWritten && this.outputFormat === 'csv') {
      this.headerWritten = true;
      await writeText(this.out, `${Papa.unparse([[...shape.columns, ...ADDED_COLUMNS]], { newline: '\n' })}\n`);
    }
  }
}

function csvRows(shape: InputShape, batch: InputBatch, start: number, answers: readonly RowAnswer[]): string {
  const parts: string[] = [];
  for (let k = 0; k < answers.length; k++) {
    const a = answers[k] as RowAnswer;
    const i = start + k;
    const row = shape.format === 'csv' ? (batch.raws[i] as string) : csvOfObject(shape.columns, batch.objects[i] ?? {});
    parts.push(`${row},${a.status},${a.reason ?? ''},${a.meaning ?? ''},${a.revokedAt ?? ''},${a.source ?? ''},${a.crlNumber ?? ''},${a.detail ?? ''}\n`);
  }
  return parts.join('');
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

function jsonRows(shape: InputShape, batch: InputBatch, start: number, answers: readonly RowAnswer[]): string {
  const parts: string[] = [];
  for (let k = 0; k < answers.length; k++) {
    const a = answers[k] as RowAnswer;
    const i = start + k;
    const input = shape.format === 'jsonl' ? (batch.objects[i] ?? {}) : objectOfFields(shape.columns, batch.fields[i] ?? (batch.raws[i] ?? '').split(','));
    parts.push(`${JSON.stringify({ ...input, ...a })}\n`);
  }
  return parts.join('');
}

function objectOfFields(columns: readonly string[], fields: readonly string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let c = 0; c < columns.length; c++) object[columns[c] as string] = fields[c] ?? '';
  return object;
}

export async function writeText(out: Writable, text: string): Promise<void> {
  if (text.length === 0) return;
  if (!out.write(text)) await new Promise<void>((resolve, reject) => {
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
