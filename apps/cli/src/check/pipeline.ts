/**
 * The streaming loop of `check`: read a batch → one bulk question per batch to the source → write the batch, in input order.
 * Memory holds a few batches (plus the source's data), never the file. A bad row is answered in place and counted; only a
 * malformed input as a whole (thrown by the reader) stops the run.
 *
 * Nothing here is per-row objects: a batch is columns (input-batch.ts), its answers are an outcome index and a date per row
 * (outcomes.ts), and the output is one string per batch. At millions of rows per-row answer objects cost more in garbage
 * collection than the lookups themselves (measured: ~45 % of a run went to GC before).
 */
import type { Writable } from 'node:stream';
import { NO_SERIAL } from './input-batch.js';
import type { BatchInput } from './input.js';
import { OutcomeTable, type RowLabelOf } from './outcomes.js';
import { RowWriter, type OutputFormat } from './output.js';
import type { Progress } from './progress.js';
import { unknownRow } from './row-answer.js';
import type { CheckSource, SliceAnswers } from './sources/types.js';
import { CheckTally } from './summary.js';

export interface PipelineOptions {
  input: BatchInput;
  output: Writable;
  /** null: the input's own format */
  format: OutputFormat | null;
  source: CheckSource;
  /** `--issuer`, or the source's only issuer; null: rows without an issuer are `issuer_unknown` */
  defaultIssuer: string | null;
  progress: Progress;
  /** `--lang`: labels for meanings (a last column) */
  labelOf?: RowLabelOf | null;
  /** `--tz`: revokedAt in that zone */
  formatTime?: ((ms: number) => string) | null;
}

export async function runPipeline(options: PipelineOptions): Promise<CheckTally> {
  const { input, source, progress, defaultIssuer } = options;
  const labelOf = options.labelOf ?? null;
  const table = new OutcomeTable(labelOf);
  const malformed = table.indexOf(unknownRow('malformed_serial'));
  const issuerUnknown = table.indexOf(unknownRow('issuer_unknown'));
  let writer: RowWriter | null = null;
  const writerFor = () =>
    (writer ??= new RowWriter(options.output, options.format ?? input.shape().format, {
      labelled: labelOf !== null,
      formatTime: options.formatTime ?? null,
    }));
  let answers: SliceAnswers = sliceAnswers(0);
  let asked = new Int32Array(0);
  // the names the source is asked with: the default issuer first, then the reader's names (ids shifted by one)
  let names: string[] = [];
  let rows = 0;
  let answerMs = 0;
  for await (const batch of input.batches) {
    const n = batch.rows;
    if (answers.outcome.length < n) {
      answers = sliceAnswers(n);
      asked = new Int32Array(n);
    }
    if (names.length !== batch.issuerNames.length + 1) names = [defaultIssuer ?? '', ...batch.issuerNames];
    const noIssuer = defaultIssuer === null ? -1 : 0;
    for (let i = 0; i < n; i++) {
      const id = batch.issuers[i] as number;
      let ask = id >= 0 ? id + 1 : noIssuer;
      if (batch.serials[i] === NO_SERIAL) {
        answers.outcome[i] = malformed;
        ask = -1;
      } else if (ask < 0) answers.outcome[i] = issuerUnknown;
      asked[i] = ask;
    }
    const askedAt = performance.now();
    await source.answer({ batch, issuers: asked, issuerNames: names }, table, answers);
    answerMs += performance.now() - askedAt;
    table.count(answers.outcome, n);
    await writerFor().write(writerFor().format(input.shape(), batch, answers, table));
    rows += n;
    progress.update(rows, input.bytesRead());
  }
  await writerFor().finish(input.shape());
  const tally = new CheckTally();
  tally.answerMs = answerMs;
  table.outcomes.forEach((o, k) => {
    tally.add(o.answer, table.counts[k] ?? 0);
  });
  return tally;
}

function sliceAnswers(rows: number): SliceAnswers {
  return { outcome: new Int32Array(rows), revokedAtMs: new Float64Array(rows), invalidityMs: new Float64Array(rows) };
}
