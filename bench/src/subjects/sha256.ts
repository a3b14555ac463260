// Floor reference: SHA-256 of the file's bytes in 1 MiB chunks (the least any reader that verifies the signature must do).
// `stream` reads them as subject (a) does (createReadStream: a fresh Buffer per chunk); `reused` reads into one reused buffer,
// as the reused-buffer scan variant does. Each floor is for the scan fed the same way.
// Usage: node dist/subjects/sha256.js FILE [stream|reused]
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { arg, printReport, secondsSince } from '../lib/child-report.js';

const file = arg(0, 'file');
const mode = process.argv[3] ?? 'stream';
if (mode !== 'stream' && mode !== 'reused') throw new Error(`mode must be stream or reused, got ${mode}`);

const start = process.hrtime.bigint();
const hash = createHash('sha256');
let bytes = 0;
if (mode === 'stream') {
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    const data = chunk as Buffer;
    hash.update(data);
    bytes += data.length;
  }
} else {
  const handle = await open(file);
  try {
    const buffer = new Uint8Array(1024 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
const digest = hash.digest('hex');
printReport(secondsSince(start), { bytes, sha256: digest });
