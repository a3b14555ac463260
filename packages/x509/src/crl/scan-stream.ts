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

/** The DER chunks of the source: as they come, or decoded from PEM when the first non-empty chunk starts like PEM. */
async function* derChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return;
  const head = first.value;
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () => it.next(),
      return: async (value?: unknown) => (it.return ? it.return(value) : { done: true as const, value: undefined }),
    }),
  };
  async function* all(): AsyncGenerator<Uint8Array> {
    yield head;
    yield* rest;
  }
  // A PEM file's first chunk could in principle stop inside "-----BEGIN"; file and socket chunks are never that small.
  if (isPem(head)) yield* pemToDerStream(all());
  else yield* all();
}
