/**
 * Importing a watch list: from a CSV byte stream (`watch import`), or from values (tests, other importers). Either way one
 * import is one change — every row, or, when a row is bad, none.
 */
import { WatchRowError } from './errors.js';
import { WatchCsvReader } from './csv/watch-csv-reader.js';
import type { IssuerResolver } from './issuers.js';
import type { IssuerTableEntry } from './list/issuer-table.js';
import { BITMAP_SERIAL_LIMIT } from './list/watch-columns.js';
import type { WatchEntryInput } from './types.js';
import type { ImportReport, WatchRepository } from './watch-repository.js';

export interface CsvImportReport extends ImportReport {
  /** data rows read from the file */
  rows: number;
}

/**
 * bytes of CSV a row takes, on the short side (`C-00000001,jpki-sign,7F00D015,2031-03-31` is 40; without notAfter 29): sizes the
 * columns up front, so that a first import rarely grows them (each growth copies every column)
 */
const BYTES_PER_ROW_ESTIMATE = 32;

/**
 * Streams a CSV into the watch list. `sizeBytes` (the file's size, when known) sizes the columns up front. Errors are
 * WatchRowError naming the line and the field.
 */
export function importWatchCsv(
  repo: WatchRepository,
  input: AsyncIterable<Uint8Array | string>,
  resolve: IssuerResolver,
  options: { sizeBytes?: number } = {},
): Promise<CsvImportReport> {
  let rows = 0;
  return repo
    .importRows(
      resolve,
      async (session) => {
        const reader = new WatchCsvReader((bytes, cells, line) => session.row(bytes, cells, line));
        for await (const chunk of input) reader.push(asBuffer(chunk));
        reader.end();
        rows = reader.rows;
      },
      { expectedRows: Math.ceil((options.sizeBytes ?? 0) / BYTES_PER_ROW_ESTIMATE) },
    )
    .then((report) => ({ ...report, rows }));
}

/** Imports rows given as values; each row's own `caIds`, `group` and `kind` say what its issuer stands for. */
export function importWatchList(
  repo: WatchRepository,
  entries: AsyncIterable<WatchEntryInput> | Iterable<WatchEntryInput>,
  options: { expectedRows?: number } = {},
): Promise<ImportReport> {
  let current: WatchEntryInput | null = null;
  const resolve: IssuerResolver = (issuer): IssuerTableEntry => {
    if (current === null || current.issuer !== issuer) throw new RangeError(`issuer ${issuer} asked out of turn`);
    return { issuer, group: current.group ?? issuer, caIds: [...current.caIds], kind: current.kind ?? 'other' };
  };
  return repo.importRows(
    resolve,
    async (session) => {
      let line = 1;
      for await (const entry of entries) {
        line++;
        current = entry;
        if (entry.customerId.length === 0) throw new WatchRowError(line, 'customerId', 'empty');
        const issuer = session.issuerIndex(entry.issuer, line);
        const key = Buffer.from(entry.customerId, 'utf8');
        const serial = entry.serial >= 0n && entry.serial < BigInt(BITMAP_SERIAL_LIMIT) ? Number(entry.serial) : entry.serial;
        session.put(key, 0, key.length, issuer, serial, entry.notAfterMs ?? Number.NaN, line);
      }
    },
    options,
  );
}

/** a chunk as a Buffer, without copying bytes (a reused read buffer stays reused: the reader copies only what it keeps) */
function asBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
