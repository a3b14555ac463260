// The floor under any watch-list import: reading and splitting the CSV with the import's own reader (fast path in place,
// papaparse for quoted rows), every row's cells found, nothing stored. A re-import can cost no less than this.
// Usage: node dist/subjects/watch-csv-parse.js CSV
import { WatchCsvReader } from '@jpki-validator/watch';
import { readFileChunks } from '@jpki-validator/x509';
import { arg, printReport, secondsSince } from '../lib/child-report.js';

const file = arg(0, 'CSV file');
const start = process.hrtime.bigint();
let keyBytes = 0;
const reader = new WatchCsvReader((_bytes, cells) => {
  keyBytes += (cells[1] as number) - (cells[0] as number);
});
// read as `watch import` reads a UTF-8 file: through two reused buffers
for await (const chunk of readFileChunks(file, 1 << 20)) reader.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
reader.end();
printReport(secondsSince(start), { rows: reader.rows, keyBytes });
