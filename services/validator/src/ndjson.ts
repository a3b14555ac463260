/**
 * The NDJSON batch, streamed both ways: lines are read as they arrive, answered in chunks (one `checkMany` per chunk, so each CA's
 * snapshot is read in bulk), and written as they are ready; the output is pulled, so a slow reader slows the reading of the input
 * instead of filling memory. No size limit. A line that is not JSON gets `{"line":N,"error":…}`; a blank line is skipped; a bad
 * item gets its `unknown` answer; a failure after the response started ends the stream with `{"error":…}`.
 */
import type { BatchQuestion, CheckOptions, StatusAnswer, StatusResolver } from '@jpki-validator/status';

/** items answered per checkMany: large enough for bulk reads, small enough to start answering early */
const CHUNK_ITEMS = 2_000;

async function* splitLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let tail = '';
  for await (const chunk of body) {
    const text = tail + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      yield text.slice(start, nl);
      start = nl + 1;
    }
    tail = text.slice(start);
  }
  tail += decoder.decode();
  if (tail.length > 0) yield tail;
}

type Slot = { line: string } | { question: number; id: unknown };

function parseLine(text: string, lineNo: number): { error: string } | { question: BatchQuestion; id: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `line ${lineNo}: not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: `line ${lineNo}: not a JSON object` };
  const o = value as Record<string, unknown>;
  // wrong types are answered as the item's unknown (issuer_unknown / malformed_serial), never as a failed batch
  return { question: { issuer: typeof o.issuer === 'string' ? o.issuer : '', serial: typeof o.serial === 'string' ? o.serial : '' }, id: o.id };
}

const withId = (answer: StatusAnswer, id: unknown): string => JSON.stringify(id === undefined ? answer : { ...answer, id });

async function* answerLines(body: ReadableStream<Uint8Array>, resolver: StatusResolver, options: CheckOptions, onAnswer: (a: StatusAnswer) => void): AsyncGenerator<string> {
  let slots: Slot[] = [];
  let questions: BatchQuestion[] = [];
  const flush = async (): Promise<string> => {
    const answers = await resolver.checkMany(questions, options);
    let out = '';
    for (const slot of slots) {
      if ('line' in slot) out += `${slot.line}\n`;
      else {
        const answer = answers[slot.question] as StatusAnswer;
        onAnswer(answer);
        out += `${withId(answer, slot.id)}\n`;
      }
    }
    slots = [];
    questions = [];
    return out;
  };
  let lineNo = 0;
  for await (const raw of splitLines(body)) {
    lineNo++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') continue;
    const parsed = parseLine(text, lineNo);
    if ('error' in parsed) slots.push({ line: JSON.stringify({ line: lineNo, error: parsed.error }) });
    else {
      slots.push({ question: questions.length, id: parsed.id });
      questions.push(parsed.question);
    }
    if (slots.length >= CHUNK_ITEMS) yield await flush();
  }
  if (slots.length > 0) yield await flush();
}

export function ndjsonAnswerStream(
  body: ReadableStream<Uint8Array> | null,
  resolver: StatusResolver,
  options: CheckOptions,
  onAnswer: (a: StatusAnswer) => void,
  onError: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const source = body === null ? null : answerLines(body, resolver, options, onAnswer);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (source === null) {
        controller.close();
        return;
      }
      try {
        const next = await source.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
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
