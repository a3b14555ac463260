/**
 * One batch of input rows, in input order, as columns rather than an object per row: at millions of rows the per-row objects
 * and strings (and their garbage collection) cost more than the lookups. A plain CSV row is only its line's offsets in the bytes
 * it was read as (never decoded: the writer copies them to the output), its serial already read as a number and its issuer as an
 * index into the reader's table of issuer names; the rarer rows (quoted CSV, JSON Lines) keep their text or object on the side.
 */
export type InputFormat = 'csv' | 'jsonl';

/** `serials[i]` of a row whose serial is not text at all (a JSON number, null …): a malformed serial */
export const NO_SERIAL = -2;

export interface InputBatch {
  rows: number;
  /** 1-based line where each row starts (a quoted CSV field may span lines) */
  lines: Int32Array;
  /** the bytes the plain CSV rows of this batch sit in (UTF-8, as read) */
  data: Buffer;
  /** a plain CSV row's line is data[starts[i], ends[i]) (without its line ending); −1 for other rows */
  starts: Int32Array;
  ends: Int32Array;
  /** `readSerialNumber`'s value, or NEEDS_FULL_PARSE (the text is in `serialTexts[i]`), or NO_SERIAL */
  serials: Float64Array;
  serialTexts: Array<string | undefined>;
  /** index into `issuerNames` (the row's issuer, trimmed), −1 when the row names none */
  issuers: Int32Array;
  /** the reader's table of issuer names (shared by its batches; it only grows) */
  issuerNames: readonly string[];
  /** CSV rows with quotes: the record's text exactly as read, and its fields */
  raws: Map<number, string>;
  fields: Map<number, string[]>;
  /** JSON Lines: each row's object */
  objects: Array<Record<string, unknown>>;
}

const NO_BYTES = Buffer.alloc(0);

export function emptyBatch(capacity: number, data: Buffer = NO_BYTES, issuerNames: readonly string[] = []): InputBatch {
  return {
    rows: 0,
    lines: new Int32Array(capacity),
    data,
    starts: new Int32Array(capacity),
    ends: new Int32Array(capacity),
    serials: new Float64Array(capacity),
    serialTexts: [],
    issuers: new Int32Array(capacity),
    issuerNames,
    raws: new Map(),
    fields: new Map(),
    objects: [],
  };
}

/** the fields of row i of a CSV batch */
export function csvFields(batch: InputBatch, i: number): string[] {
  const start = batch.starts[i] as number;
  return start >= 0 ? batch.data.toString('utf8', start, batch.ends[i]).split(',') : (batch.fields.get(i) ?? []);
}

/** What a reader knows about the input once its first row (CSV: the header) is read. */
export interface InputShape {
  format: InputFormat;
  /** CSV: the header's column names; JSON Lines: the first object's keys (the CSV writer's columns) */
  columns: readonly string[];
}

/** cell texts remembered before the cache stops growing (names themselves are always kept: ids must stay valid) */
const MAX_CACHED_CELLS = 4096;

/** Issuer names seen in the input, each given a small number once (a file names a handful of issuers over millions of rows). */
export class IssuerNames {
  readonly names: string[] = [];
  private readonly byName = new Map<string, number>();
  private readonly byCell = new Map<string, number>();

  /** the id of an issuer cell's text; −1 when it names none (empty or blank) */
  idOf(cell: string): number {
    const cached = this.byCell.get(cell);
    if (cached !== undefined) return cached;
    const name = cell.trim();
    let id = name === '' ? -1 : this.byName.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.byName.set(name, id);
    }
    if (this.byCell.size < MAX_CACHED_CELLS) this.byCell.set(cell, id);
    return id;
  }
}
