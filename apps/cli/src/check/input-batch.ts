/**
 * One batch of input rows, in input order. Parallel arrays rather than an object per row: the pipeline looks up the
 * whole batch at once and the writers walk it by index.
 */
export type InputFormat = 'csv' | 'jsonl';

export interface InputBatch {
  /** 1-based line where each row starts (a quoted CSV field may span lines) */
  lines: number[];
  /** the row's serial text ('' when absent; null when the JSON value is not a string: a malformed serial) */
  serials: Array<string | null>;
  /** the row's issuer ('' or null when it names none) */
  issuers: Array<string | null>;
  /** CSV: each row's text exactly as read (without the line ending), written back unchanged */
  raws: string[];
  /** CSV: each row's fields, or null for a row without quotes (its raw text split on commas is its fields) */
  fields: Array<string[] | null>;
  /** JSON Lines: each row's object */
  objects: Array<Record<string, unknown>>;
}

export function emptyBatch(): InputBatch {
  return { lines: [], serials: [], issuers: [], raws: [], fields: [], objects: [] };
}

export function batchSize(batch: InputBatch): number {
  return batch.lines.length;
}

/** What a reader knows about the input once its first row (CSV: the header) is read. */
export interface InputShape {
  format: InputFormat;
  /** CSV: the header's column names; JSON Lines: the first object's keys (the CSV writer's columns) */
  columns: readonly string[];
}
