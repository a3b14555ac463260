/**
 * Opens `check`'s input (a file or stdin) as bytes and reads it as batches (the CSV reader works on the bytes; JSON Lines decodes). The format is JSON Lines when the first
 * non-blank character is `{`, else CSV: a CSV header never starts with a brace, and a JSON Lines file always does.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { InputError } from '../errors.js';
import { decodingStream, type TextEncodingName } from '../text-encoding.js';
import { CsvBatchParser } from './csv-reader.js';
import type { InputBatch, InputShape } from './input-batch.js';
import { JsonlBatchParser } from './jsonl-reader.js';

/** large reads: a batch of rows points into one decoded chunk, and fewer chunks mean fewer batches cut short */
const READ_CHUNK_BYTES = 1 << 20;

interface BatchParser {
  readonly shape: InputShape | null;
  push(chunk: Buffer): InputBatch[];
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

/** `-` reads stdin; anything else is a file path relative to cwd. `encoding` cp932: decoded to UTF-8 before the readers. */
export async function openInput(
  source: string,
  stdin: Readable,
  cwd: string,
  batchRows: number,
  encoding: TextEncodingName = 'utf-8',
): Promise<BatchInput> {
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
  let rawBytes = 0;
  const decoding = await decodingStream(encoding);
  if (decoding !== null) {
    // bytes read are counted before decoding (the progress bar compares them with the file's size)
    const raw = stream;
    raw.on('data', (chunk: Buffer | string) => {
      rawBytes += chunk.length;
    });
    stream = raw.pipe(decoding);
    raw.once('error', (error) => decoding.destroy(error));
  }
  let bytes = 0;
  let parser: BatchParser | null = null;
  /** leading blank input, held until the format is known so that line numbers stay right */
  let blank: Buffer = Buffer.alloc(0);

  async function* batches(): AsyncGenerator<InputBatch> {
    for await (const read of stream as AsyncIterable<Buffer | string>) {
      const bytesRead = typeof read === 'string' ? Buffer.from(read) : read;
      bytes += bytesRead.length;
      let chunk = bytesRead;
      if (parser === null) {
        chunk = blank.length === 0 ? bytesRead : Buffer.concat([blank, bytesRead]);
        parser = chooseParser(chunk, inputName, batchRows);
        if (parser === null) {
          blank = chunk;
          continue;
        }
        blank = Buffer.alloc(0);
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
    bytesRead: () => (decoding === null ? bytes : rawBytes),
    totalBytes,
  };
}

/** null while the input has been blank so far (the format is not known yet) */
function chooseParser(firstBytes: Buffer, inputName: string, batchRows: number): BatchParser | null {
  // decoded once, for the first characters (a multi-byte character cut at the chunk's end does not matter to them)
  const first = firstBytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (first.length === 0) return null;
  return first.startsWith('{') ? new JsonlBatchParser({ inputName, batchRows }) : new CsvBatchParser({ inputName, batchRows });
}
