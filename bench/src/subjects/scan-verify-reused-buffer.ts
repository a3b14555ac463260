// Variant of subject (a), for the profile's findings: the same scan + verify, but the file is read with FileHandle.read into ONE
// reused 1 MiB buffer and pushed into CrlScanner directly, instead of createReadStream handing over a fresh 1 MiB Buffer per chunk.
// Safe because the scanner copies whatever it keeps of a chunk (its unconsumed tail, early tbsCertList bytes) before push returns.
// Usage: node dist/subjects/scan-verify-reused-buffer.js CRL_FILE CA_CERT_PEM EXPECTED_ENTRIES
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { CrlScanner } from '@jpki-validator/x509';
import { arg, printReport, secondsSince } from '../lib/child-report.js';

const file = arg(0, 'CRL file');
const issuerKey = new X509Certificate(readFileSync(arg(1, 'CA certificate'))).publicKey;
const expected = Number(arg(2, 'expected entries'));

const start = process.hrtime.bigint();
let entries = 0;
const scanner = new CrlScanner({
  issuerKey,
  onEntry: () => {
    entries += 1;
  },
});
const handle = await open(file);
try {
  const buffer = new Uint8Array(1024 * 1024);
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    scanner.push(buffer.subarray(0, bytesRead));
  }
} finally {
  await handle.close();
}
const result = scanner.end();
const workSeconds = secondsSince(start);

if (result.signature !== 'valid') throw new Error(`signature ${result.signature}: ${JSON.stringify(result.problems)}`);
if (result.entryCount !== expected || entries !== expected) {
  throw new Error(`expected ${expected} entries, scanner counted ${result.entryCount}, callback saw ${entries}`);
}
printReport(workSeconds, { entries, signature: result.signature, usable: result.usable, bytes: result.byteLength });
