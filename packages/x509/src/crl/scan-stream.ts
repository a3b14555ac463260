import { isPem, pemToDerStream } from '../pem.js';
import { CrlScanner } from './scanner.js';
import { scanCrlBuffer } from './scan-buffer.js';
import type { CrlScanOptions, CrlScanResult } from './types.js';

/**
 * Scans a CRL from a stream of chunks (a file or HTTP body) or a buffer. PEM input is recognised from its first bytes and decoded
 * on the fly; memory stays flat whatever the CRL's size.
 */
export async function scanCrl(source: AsyncIterable<Uint8Array> | Uint8Array, options: CrlScanOptions = {}): Promise<CrlScanResult> {
  if (source instanceof Uint8Array) return scanCrlBuffer(source, options);
  const scanner = new CrlScanner(options);
  for await (const chunk of derChunks(source)) scanner.push(chunk);
  return scanner.end();
}

/** Leading bytes looked at to tell PEM from DER: `-----BEGIN` after a little white space. */
const SNIFF_BYTES = 64;

/**
 * The DER chunks of the source: as they come, or decoded from PEM when the input starts like PEM. Chunks may be views into a
 * buffer the source reuses, so every chunk is passed on before the next is asked for, and a head gathered from several short
 * chunks is a copy.
 */
async function* derChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  try {
    const first = await it.next();
    if (first.done) return;
    // the usual case: the first chunk is long enough to tell, so it is passed on as it is (no copy of a 1 MiB buffer)
    if (first.value.length >= SNIFF_BYTES) {
      yield* pick(first.value, it, false);
      return;
    }
    const parts: Uint8Array[] = [new Uint8Array(first.value)]; // a copy: Buffer#slice would be a view into the reused buffer
    let headBytes = first.value.length;
    let ended = false;
    while (headBytes < SNIFF_BYTES) {
      const next = await it.next();
      if (next.done) {
        ended = true;
        break;
      }
      parts.push(new Uint8Array(next.value));
      headBytes += next.value.length;
    }
    if (headBytes === 0) return;
    const head = Buffer.concat(parts);
    yield* pick(head, it, ended);
  } finally {
    await it.return?.();
  }
}

/** the chunks after the sniffed `head`, decoded from PEM when the head says so */
async function* pick(head: Uint8Array, it: AsyncIterator<Uint8Array>, ended: boolean): AsyncGenerator<Uint8Array> {
  async function* all(): AsyncGenerator<Uint8Array> {
    yield head;
    if (ended) return;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  }
  if (isPem(head)) yield* pemToDerStream(all());
  else yield* all();
}
