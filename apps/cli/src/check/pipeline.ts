/**
 * The streaming loop of `check`: read a batch → one bulk question per batch to the source → write the batch, in input order.
 * Memory holds one batch (plus the source's data), never the file. A bad row is answered in place and counted; only a malformed
 * input as a whole (thrown by the reader) stops the run.
 */
import type { Writable } from 'node:stream';
import type { InputBatch } from './input-batch.js';
import type { BatchInput } from './input.js';
import { RowWriter, type OutputFormat } from './output.js';
import type { Progress } from './progress.js';
import { unknownRow, type RowAnswer } from './row-answer.js';
import type { CheckSource, RowQuestion } from './sources/types.js';
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
}

export async function runPipeline(options: PipelineOptions): Promise<CheckTally> {
  const { input, source, progress } = options;
  const tally = new CheckTally();
  let writer: RowWriter | null = null;
  const writerFor = () => (writer ??= new RowWriter(options.output, options.format ?? input.shape().format));
  for await (const batch of input.batches) {
    const answers = await answerBatch(batch, source, options.defaultIssuer);
    tally.add(answers);
    await writerFor().write(input.shape(), batch, answers);
    progress.update(tally.rows, input.bytesRead());
  }
  await writerFor().finish(input.shape());
  return tally;
}

async function answerBatch(batch: InputBatch, source: CheckSource, defaultIssuer: string | null): Promise<RowAnswer[]> {
  const n = batch.lines.length;
  const answers = new Array<RowAnswer>(n);
  const questions: RowQuestion[] = [];
  const slots: number[] = [];
  for (let i = 0; i < n; i++) {
    const serial = batch.serials[i];
    const given = batch.issuers[i];
    const issuer = given === null || given === undefined || given.trim() === '' ? defaultIssuer : given.trim();
    if (serial === null || serial === undefined) answers[i] = unknownRow('malformed_serial');
    else if (issuer === null) answers[i] = unknownRow('issuer_unknown');
    else {
      questions.push({ issuer, serial });
      slots.push(i);
    }
  }
  if (questions.length > 0) {
    const got = await source.answer(questions);
    for (let k = 0; k < slots.length; k++) answers[slots[k] as number] = got[k] as RowAnswer;
  }
  return answers;
}
