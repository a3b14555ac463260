// The floor under any watch-list import: reading and splitting the CSV with the import's own reader (fast path in place,
// papaparse for quoted rows), every row's cells found, nothing stored. A re-import can cost no less than this.
// Usage: node dist/subjects/watch-csv-parse.js CSV
import { createReadStream } from 'node:fs';
import { WatchCsvReader } from '@jpki-validator/watch';
import { arg, printReport, secondsSince } from '../lib/child-report.js';

const file = arg(0, 'CSV file');
const start = process.hrtime.bigint();
let keyBytes = 0;
const reader = new WatchCsvReader((_bytes, cells) => {
  keyBytes += (cells[1] as number) - (cells[0] as number);
});
for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) reader.push(chunk as Buffer);
reader.end();
printReport(secondsSince(start), { rows: reader.rows, keyBytes });
