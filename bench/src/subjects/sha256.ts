// Floor reference: SHA-256 of the file's bytes, streamed in 1 MiB chunks (the least any reader that verifies must do).
// Usage: node dist/subjects/sha256.js FILE
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { arg, printReport, secondsSince } from '../lib/child-report.js';

const start = process.hrtime.bigint();
const hash = createHash('sha256');
let bytes = 0;
for await (const chunk of createReadStream(arg(0, 'file'), { highWaterMark: 1024 * 1024 })) {
  const data = chunk as Buffer;
  hash.update(data);
  bytes += data.length;
}
const digest = hash.digest('hex');
printReport(secondsSince(start), { bytes, sha256: digest });
