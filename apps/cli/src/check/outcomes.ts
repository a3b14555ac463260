/**
 * The answers of a `check` run as a small table: each distinct answer (status, reason, meaning, source, CRL number, detail) once,
 * with its CSV cells formatted once and a count of its rows. A row is an index into it plus its own revokedAt; the writer
 * appends the precomputed cells, and the summary is read from the counts.
 */
import { ADDED_COLUMNS, type RowAnswer } from './row-answer.js';
import { MAX_TIME_BYTES } from '@jpki-validator/x509';

export interface RowOutcome {
  /** the shared answer (revokedAt is each row's own: null here) */
  answer: RowAnswer;
  revoked: boolean;
  /** the added CSV cells with their leading comma and the line ending, for rows without a revokedAt */
  cells: string;
  /** a revoked row's cells: before + revokedAt + after */
  before: string;
  after: string;
  /** the same cells as UTF-8 bytes (the CSV writer copies bytes) */
  cellsBytes: Uint8Array;
  beforeBytes: Uint8Array;
  afterBytes: Uint8Array;
  /** the most bytes a row's cells take (a revoked row's date included) */
  maxBytes: number;
}

const DATE_BYTES = MAX_TIME_BYTES;

/** a meaning's label (`check --lang`), or null without one */
export type RowLabelOf = (meaning: string) => string | null;

export class OutcomeTable {
  readonly outcomes: RowOutcome[] = [];
  /** rows answered with each outcome */
  readonly counts: number[] = [];
  private readonly byKey = new Map<string, number>();

  /** `labelOf`: with `--lang`, every answer gets `meaningLabel` (a last CSV column) */
  constructor(private readonly labelOf: RowLabelOf | null = null) {}

  /** the index of an answer's outcome (its revokedAt is ignored: it is the row's own) */
  indexOf(answer: RowAnswer): number {
    const shared: RowAnswer = { ...answer, revokedAt: null };
    if (this.labelOf !== null) shared.meaningLabel = shared.meaningLabel ?? (shared.meaning === null ? null : this.labelOf(shared.meaning));
    const key = [...ADDED_COLUMNS.map((c) => shared[c] ?? '\u0000'), shared.meaningLabel ?? '\u0000'].join('\u0001');
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.outcomes.length;
      const label = this.labelOf === null ? '' : `,${csvCell(shared.meaningLabel ?? '')}`;
      const tail = `,${shared.source ?? ''},${shared.crlNumber ?? ''},${shared.detail ?? ''},${shared.medium ?? ''}${label}\n`;
      const before = `,${shared.status},${shared.reason ?? ''},${shared.meaning ?? ''},`;
      const bytes = (text: string) => Buffer.from(text, 'utf8');
      const cells = before + tail;
      this.outcomes.push({
        answer: Object.freeze(shared),
        revoked: shared.status === 'revoked',
        cells,
        before,
        after: tail,
        cellsBytes: bytes(cells),
        beforeBytes: bytes(before),
        afterBytes: bytes(tail),
        maxBytes: Buffer.byteLength(cells) + DATE_BYTES,
      });
      this.counts.push(0);
      this.byKey.set(key, index);
    }
    return index;
  }

  /** counts rows [0, rows) of a batch's outcome column */
  count(outcome: Int32Array, rows: number): void {
    const counts = this.counts;
    for (let i = 0; i < rows; i++) counts[outcome[i] as number] = (counts[outcome[i] as number] as number) + 1;
  }
}

/** a CSV cell: quoted when it holds a comma, a quote or a line break (a label may: labels are free text) */
function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
