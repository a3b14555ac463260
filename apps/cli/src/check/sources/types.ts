import type { RowAnswer } from '../row-answer.js';

/** One question of a batch: the row's issuer (id or group, after the default) and its serial text. */
export interface RowQuestion {
  issuer: string;
  serial: string;
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
  /** answers in question order */
  answer(questions: readonly RowQuestion[]): Promise<RowAnswer[]>;
  /** the issuer rows without one default to when the source knows exactly one (CONTRACT "CLI details"); else null */
  soleIssuer(): string | null;
  dataUsed(): DataUsed[];
  close(): Promise<void>;
}
