// Subject (a): our streaming scanner over the file, 1 MiB chunks, verifying the signature with the CA key while it streams.
// Usage: node dist/subjects/scan-verify.js CRL_FILE CA_CERT_PEM EXPECTED_ENTRIES
import { createReadStream, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { scanCrl } from '@jpki-validator/x509';
import { arg, printReport, secondsSince } from '../lib/child-report.js';

const file = arg(0, 'CRL file');
const issuerKey = new X509Certificate(readFileSync(arg(1, 'CA certificate'))).publicKey;
const expected = Number(arg(2, 'expected entries'));

const start = process.hrtime.bigint();
let entries = 0;
const result = await scanCrl(createReadStream(file, { highWaterMark: 1024 * 1024 }), {
  issuerKey,
  // Counting in the callback makes the scanner deliver every entry, as a real consumer (the store loader) would need.
  onEntry: () => {
    entries += 1;
  },
});
const workSeconds = secondsSince(start);

if (result.signature !== 'valid') throw new Error(`signature ${result.signature}: ${JSON.stringify(result.problems)}`);
if (result.entryCount !== expected || entries !== expected) {
  throw new Error(`expected ${expected} entries, scanner counted ${result.entryCount}, callback saw ${entries}`);
}
printReport(workSeconds, { entries, signature: result.signature, usable: result.usable, bytes: result.byteLength });
