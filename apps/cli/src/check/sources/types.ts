import type { InputBatch } from '../input-batch.js';
import type { OutcomeTable } from '../outcomes.js';

/** One batch's questions: the batch's serials, and per row the issuer asked (after the default). */
export interface SliceQuestion {
  batch: InputBatch;
  /** per row: index into `issuerNames`, or −1 when the pipeline has answered the row already (a bad row) */
  issuers: Int32Array;
  issuerNames: readonly string[];
}

/** A batch's answers, one slot per row (the same shape as packages/status's BulkColumns). */
export interface SliceAnswers {
  /** index into the run's OutcomeTable */
  outcome: Int32Array;
  /** a revoked row's revocationDate (ms); NaN for the others */
  revokedAtMs: Float64Array;
  invalidityMs: Float64Array;
}

/** The CRL data an answer stood on, for the summary. */
export interface DataUsed {
  /** a CA id (or, from the API, whatever the answer named) */
  caId: string;
  partition: string | null;
  crlNumber: string;
  thisUpdate: string;
  nextUpdate: string | null;
  stale: boolean;
}

/** Where `check` gets its answers: the offline store, Redis, or a running validator. */
export interface CheckSource {
  /** answers every row the pipeline has not (issuers[i] ≥ 0) into `out`, outcomes interned in `table` */
  answer(question: SliceQuestion, table: OutcomeTable, out: SliceAnswers): Promise<void>;
  /** the issuer rows without one default to when the source knows exactly one (docs/cli.md, `check --issuer`); else null */
  soleIssuer(): string | null;
  dataUsed(): DataUsed[];
  close(): Promise<void>;
}
