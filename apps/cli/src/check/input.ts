/**
 * Opens `check`'s input (a file or stdin) as decoded text and reads it as batches. The format is JSON Lines when the first
 * non-blank character is `{`, else CSV: a CSV header never starts with a brace, and a JSON Lines file always does.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { InputError } from '../errors.js';
import { CsvBatchParser } from './csv-reader.js';
import type { InputBatch, InputShape } from './input-batch.js';
import { JsonlBatchParser } from './jsonl-reader.js';

const READ_CHUNK_BYTES = 1 << 16;

interface BatchParser {
  readonly shape: InputShape | null;
  push(text: string): InputBatch[];
  end(): InputBatch[];
}

export interface BatchInput {
  /** the reader's view of the input; known once the first batch (or the end) has been read */
  shape(): InputShape;
  batches: AsyncIterable<InputBatch>;
  /** bytes read so far and the total when known (a file; stdin: null): the progress bar */
  bytesRead(): number;
  totalBytes: number | null;
}

/** `-` reads stdin; anything else is a file path relative to cwd. */
export async function openInput(source: string, stdin: Readable, cwd: string, batchRows: number): Promise<BatchInput> {
  let stream: Readable;
  let totalBytes: number | null = null;
  const inputName = source === '-' ? 'stdin' : source;
  if (source === '-') {
    stream = stdin;
  } else {
    const path = resolve(cwd, source);
    try {
      const handle = await open(path, 'r');
      const stat = await handle.stat();
      if (stat.isDirectory()) {
        await handle.close();
        throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      }
      totalBytes = stat.size;
      stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
    } catch (error) {
      throw new InputError(`cannot read input ${source}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  stream.setEncoding('utf8');
  let bytes = 0;
  let parser: BatchParser | null = null;
  /** leading blank text, held until the format is known so that line numbers stay right */
  let blank = '';

  async function* batches(): AsyncGenerator<InputBatch> {
    for await (let chunk of stream as AsyncIterable<string>) {
      bytes += Buffer.byteLength(chunk);
      if (parser === null) {
        parser = chooseParser(blank + chunk, inputName, batchRows);
        if (parser === null) {
          blank += chunk;
          continue;
        }
        chunk = blank + chunk;
        blank = '';
      }
      yield* parser.push(chunk);
    }
    parser ??= new CsvBatchParser({ inputName, batchRows });
    if (blank.length > 0) yield* parser.push(blank);
    yield* parser.end();
  }

  return {
    batches: batches(),
    shape: () => {
      const shape = parser?.shape;
      if (shape === null || shape === undefined) throw new Error('input shape asked before the input was read');
      return shape;
    },
    bytesRead: () => bytes,
    totalBytes,
  };
}

/** null while the input has been blank so far (the format is not known yet) */
function chooseParser(firstText: string, inputName: string, batchRows: number): BatchParser | null {
  const first = firstText.replace(/^\uFEFF/, '').trimStart();
  if (first.length === 0) return null;
  return first.startsWith('{') ? new JsonlBatchParser({ inputName, batchRows }) : new CsvBatchParser({ inputName, batchRows });
}
