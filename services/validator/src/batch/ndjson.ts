/**
 * The NDJSON batch, streamed both ways: lines are read as they arrive, answered in chunks (batch-answers.ts, so each CA's snapshot is
 * read in bulk), and written as they are ready; the output is pulled, so a slow reader slows the reading of the input
 * instead of filling memory. No size limit. A line that is not JSON gets `{"line":N,"error":…}`; a blank line is skipped; a bad
 * item gets its `unknown` answer; a failure after the response started ends the stream with `{"error":…}`.
 */
import type { CheckOptions } from '@jpki-validator/status';
import type { BatchAnswerer, BatchItem } from './batch-answers.js';
import { JsonBytes } from '../json/json-bytes.js';

/** items answered per call: large enough for bulk reads, small enough to start answering early */
const CHUNK_ITEMS = 2_000;
const NEWLINE = 0x0a;

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
  const o = value as Record<string, unknown>;
  // wrong types are answered as the item's unknown (issuer_unknown / malformed_serial), never as a failed batch
  return { issuer: typeof o.issuer === 'string' ? o.issuer : '', serial: typeof o.serial === 'string' ? o.serial : '', id: o.id };
}

/**
 * Lines are split out of each chunk and parsed synchronously (no promise per line); every CHUNK_ITEMS lines, the items are
 * answered in one call and the chunk's output is yielded as one buffer.
 */
async function* answerChunks(body: ReadableStream<Uint8Array>, answerer: BatchAnswerer, options: CheckOptions): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder();
  /** per line kept: an item's index in `items`, or an error line's text */
  let slots: (number | string)[] = [];
  let items: BatchItem[] = [];
  const flush = async (): Promise<Uint8Array> => {
    const answers = await answerer.answer(items, options);
    const out = new JsonBytes(slots.length * 360);
    for (const slot of slots) {
      if (typeof slot === 'number') answers.writeRow(slot, out);
      else out.utf8(slot);
      out.byte(NEWLINE);
    }
    slots = [];
    items = [];
    return out.result();
  };
  let lineNo = 0;
  const take = (raw: string): void => {
    lineNo++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    const parsed = parseLine(text, lineNo);
    if (typeof parsed === 'string') slots.push(parsed);
    else {
      slots.push(items.length);
      items.push(parsed);
    }
  };
  let tail = '';
  for await (const chunk of body) {
    const text = tail + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      take(text.slice(start, nl));
      start = nl + 1;
      if (slots.length >= CHUNK_ITEMS) yield await flush();
    }
    tail = text.slice(start);
  }
  tail += decoder.decode();
  if (tail.length > 0) take(tail);
  if (slots.length > 0) yield await flush();
}

export function ndjsonAnswerStream(
  body: ReadableStream<Uint8Array> | null,
  answerer: BatchAnswerer,
  options: CheckOptions,
  onError: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const source = body === null ? null : answerChunks(body, answerer, options);
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
