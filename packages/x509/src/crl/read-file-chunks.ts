import { open } from 'node:fs/promises';
import type { CrlScanOptions, CrlScanResult } from './types.js';
import { scanCrl } from './scan-stream.js';

/**
 * A file's bytes as a sequence of views into ONE reused buffer: each chunk is valid only until the next is asked for.
 * `createReadStream` hands out a fresh buffer per chunk, and faulting in ~180 new 1 MiB buffers cost a 5-million-entry CRL scan more
 * than the scan itself (bench/RESULTS.md: 2.1 s against 1.0 s). Safe for consumers that copy what they keep — the CRL scanner, PEM
 * decoding and hashing do.
 */
export async function* readFileChunks(path: string, chunkBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/** Scans a CRL file (DER or PEM) with flat memory, reading it through one reused buffer. */
export function scanCrlFile(path: string, options: CrlScanOptions = {}): Promise<CrlScanResult> {
  return scanCrl(readFileChunks(path), options);
}
