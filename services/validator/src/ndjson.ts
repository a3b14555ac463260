/**
 * The NDJSON batch, streamed both ways: lines are read as they arrive (ndjson-lines.ts: each byte looked at once, a line capped
 * at MAX_LINE_BYTES), answered in chunks (batch-answers.ts, so each CA's snapshot is read in bulk), and written as they are
 * ready; the output is pulled, so a slow reader slows the reading of the input instead of filling memory. No limit on the
 * number of lines. A line that is not JSON, or longer than the cap, gets `{"line":N,"error":…}` (never its content back); a blank
 * line is skipped; a bad item gets its `unknown` answer; a failure after the response started ends the stream with `{"error":…}`.
 */
import type { CheckOptions } from '@jpki-validator/status';
import type { BatchAnswerer, BatchAnswers, BatchItem, LabelOf } from './batch-answers.js';
import { batchItemOf } from './batch-items.js';
import { JsonBytes } from './json-bytes.js';
import { NdjsonLineReader } from './ndjson-lines.js';

/** items answered per call: large enough for bulk reads, small enough to start answering early */
const CHUNK_ITEMS = 2_000;
/** line bytes held for one call at most: 2 000 lines of the longest kind would otherwise hold 128 MiB */
const CHUNK_LINE_BYTES = 4 * 2 ** 20;
/** a line's limit: an item is under 200 bytes; room for long ids, none for a hostile 100 MB "serial" */
export const MAX_LINE_BYTES = 64 * 2 ** 10;
/** a request chunk is fed to the line reader in slices of this size, so answering can start within a large chunk */
const SLICE_BYTES = 64 * 2 ** 10;
const NEWLINE = 0x0a;
const BOM = '\ufeff';

/** what a line holds: an item (with its id, any JSON value) or the text of its error line */
function parseLine(text: string, lineNo: number): BatchItem | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return JSON.stringify({ line: lineNo, error: `line ${lineNo}: not JSON (${error instanceof Error ? error.message : String(error)})` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return JSON.stringify({ line: lineNo, error: `line ${lineNo}: not a JSON object` });
  // wrong types are answered as the item's unknown (issuer_unknown / malformed_serial), never as a failed batch
  return batchItemOf(value);
}

/**
 * Lines are split out of each chunk and parsed synchronously (no promise per line); every CHUNK_ITEMS lines (or
 * CHUNK_LINE_BYTES of them), the items are answered in one call and the output is yielded as one buffer.
 */
async function* answerChunks(
  body: ReadableStream<Uint8Array>,
  answerer: BatchAnswerer,
  options: CheckOptions,
  labelOf: LabelOf | null,
  onAnswers: ((answers: BatchAnswers) => void) | undefined,
): AsyncGenerator<Uint8Array> {
  /** per line kept: an item's index in `items`, or an error line's text */
  let slots: (number | string)[] = [];
  let items: BatchItem[] = [];
  let heldBytes = 0;
  const flush = async (): Promise<Uint8Array> => {
    const answers = await answerer.answer(items, options, labelOf);
    onAnswers?.(answers);
    const out = new JsonBytes(slots.length * 360 + heldBytes);
    for (const slot of slots) {
      if (typeof slot === 'number') answers.writeRow(slot, out);
      else out.utf8(slot);
      out.byte(NEWLINE);
    }
    slots = [];
    items = [];
    heldBytes = 0;
    return out.result();
  };
  const reader = new NdjsonLineReader(MAX_LINE_BYTES, {
    line(bytes, start, end, lineNo) {
      let text = bytes.toString('utf8', start, end > start && bytes[end - 1] === 0x0d ? end - 1 : end);
      if (lineNo === 1 && text.startsWith(BOM)) text = text.slice(1);
      if (text.trim() === '') return;
      const parsed = parseLine(text, lineNo);
      heldBytes += end - start;
      if (typeof parsed === 'string') slots.push(parsed);
      else {
        slots.push(items.length);
        items.push(parsed);
      }
    },
    oversized(lineNo) {
      slots.push(JSON.stringify({ line: lineNo, error: `line ${lineNo}: longer than ${MAX_LINE_BYTES} bytes (not read)` }));
    },
  });
  const full = (): boolean => slots.length >= CHUNK_ITEMS || heldBytes >= CHUNK_LINE_BYTES;
  for await (const chunk of body) {
    for (let from = 0; from < chunk.length; from += SLICE_BYTES) {
      reader.push(chunk.subarray(from, Math.min(chunk.length, from + SLICE_BYTES)));
      if (full()) yield await flush();
    }
  }
  reader.end();
  if (slots.length > 0) yield await flush();
}

export function ndjsonAnswerStream(
  body: ReadableStream<Uint8Array> | null,
  answerer: BatchAnswerer,
  options: CheckOptions,
  labelOf: LabelOf | null,
  onError: (error: unknown) => void,
  /** sees each chunk's answers before they are written (the audit history) */
  onAnswers?: (answers: BatchAnswers) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const source = body === null ? null : answerChunks(body, answerer, options, labelOf, onAnswers);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (source === null) {
        controller.close();
        return;
      }
      try {
        const next = await source.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        onError(error);
        controller.enqueue(encoder.encode(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`));
        controller.close();
      }
    },
    async cancel() {
      await source?.return(undefined);
    },
  });
}
