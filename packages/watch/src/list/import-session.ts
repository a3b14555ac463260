/**
 * One import (or rotation) diffed against the stored list as rows arrive: each row finds its slot (customer id, issuer group) in
 * the slot index; an identical row costs a comparison, a changed or new one is applied to the columns and remembered for the
 * journal. Nothing is visible to anyone until the repository commits the session (an error anywhere drops the session and the
 * state is reloaded), so a bad row at line 9 000 000 leaves the stored list exactly as it was.
 *
 * Duplicates within one file: a second row for the same slot is an error naming both lines when it differs from the first
 * (which certificate is current would be a guess, and a wrong guess watches a certificate nobody holds any more); an identical
 * repeat (a file concatenated twice) changes nothing and is only counted, and the caller warns about it.
 */
import { WatchRowError } from '../errors.js';
import { NEEDS_FULL_PARSE, readSerialNumberBytes } from '@jpki-validator/status';
import { readNotAfterCell, readSerialCell } from '../csv/cells.js';
import type { IssuerResolver } from '../issuers.js';
import type { RowValues } from '../journal/records.js';
import { rowValues } from '../journal/records.js';
import { IssuerTable } from './issuer-table.js';
import { SlotIndex } from './slot-index.js';
import { BITMAP_SERIAL_LIMIT } from './watch-columns.js';
import type { WatchState } from './watch-state.js';

/** customer ids longer than this are not ids */
export const MAX_CUSTOMER_ID_BYTES = 256;

export interface ImportCounts {
  /** slots seen for the first time */
  added: number;
  /** slots whose certificate (serial or issuer) or notAfter changed */
  updated: number;
  /** rows identical to what was stored */
  unchanged: number;
  /** rows repeating an earlier row of the same import exactly (skipped) */
  duplicates: number;
  /** the first few duplicates: [line, first line] */
  duplicateLines: [number, number][];
}

export class ImportSession {
  readonly state: WatchState;
  readonly baseRows: number;
  readonly counts: ImportCounts = { added: 0, updated: 0, unchanged: 0, duplicates: 0, duplicateLines: [] };
  /** stored rows this session changed, with their values before */
  readonly changed = new Map<number, RowValues>();
  /** issuer-table indexes added or re-resolved by this session */
  readonly dictChanged = new Set<number>();
  private readonly resolve: IssuerResolver;
  /** built on the first row the sequential guess misses (a re-import in the stored order never needs it) */
  private index: SlotIndex | null = null;
  private readonly expectedRows: number;
  /** the stored row the next input row most likely matches: exports keep their order from one import to the next */
  private cursor = 0;
  private lastNotAfter: Buffer = Buffer.alloc(0);
  private lastNotAfterMs = Number.NaN;
  /** per row: the line of this import that set it (0: none yet) */
  private seenLine: Uint32Array;
  private lastIssuerBytes: Buffer = Buffer.alloc(0);
  private lastIssuer = -1;
  private readonly issuerByText = new Map<string, number>();

  constructor(state: WatchState, resolve: IssuerResolver, expectedRows = 0) {
    this.state = state;
    this.resolve = resolve;
    this.baseRows = state.columns.rows;
    this.expectedRows = expectedRows;
    // room up front for a first import; a re-import mostly matches stored rows, and the few new ones grow the columns
    if (this.baseRows === 0) state.columns.ensureCapacity(expectedRows);
    this.seenLine = new Uint32Array(state.columns.capacity);
  }

  /** a CSV row (watch-csv-reader's cells) */
  row(bytes: Uint8Array, cells: Int32Array, line: number): void {
    if (this.sameAsCursor(bytes, cells, line)) return;
    const ks = cells[0] as number;
    const ke = cells[1] as number;
    if (ks < 0 || ke <= ks) throw new WatchRowError(line, 'customerId', 'empty');
    if (ke - ks > MAX_CUSTOMER_ID_BYTES) throw new WatchRowError(line, 'customerId', `longer than ${MAX_CUSTOMER_ID_BYTES} bytes`);
    const issuer = this.issuerAt(bytes, cells[2] as number, cells[3] as number, line);
    let serial: number | bigint;
    try {
      serial = readSerialCell(bytes, cells[4] as number, cells[5] as number);
    } catch (e) {
      throw new WatchRowError(line, 'serial', e instanceof Error ? e.message : String(e));
    }
    let notAfterMs = Number.NaN;
    const ns = cells[6] as number;
    if (ns >= 0) notAfterMs = this.notAfterAt(bytes, ns, cells[7] as number, line);
    this.put(bytes, ks, ke, issuer, serial, notAfterMs, line);
  }

  /**
   * Whether the row is the stored row at the cursor, unchanged — decided on its bytes: the key against the row's key, the issuer
   * and notAfter cells against the last ones parsed (which the row's values must equal), and only the serial read. A re-import
   * in the stored order settles its unchanged rows here (counted and marked seen); a change, a new customer, a repeat, a serial
   * outside the bitmap range or a bad cell takes the general way, which decides the same for an unchanged row, only slower.
   */
  private sameAsCursor(bytes: Uint8Array, cells: Int32Array, line: number): boolean {
    const row = this.cursor;
    if (row >= this.baseRows || this.seenLine[row] !== 0) return false;
    const c = this.state.columns;
    if (c.issuer[row] !== this.lastIssuer || !equalBytes(bytes, cells[2] as number, cells[3] as number, this.lastIssuerBytes)) return false;
    const ns = cells[6] as number;
    const notAfterMs = c.notAfterMs[row] as number;
    if (
      ns < 0
        ? !Number.isNaN(notAfterMs)
        : notAfterMs !== this.lastNotAfterMs || !equalBytes(bytes, ns, cells[7] as number, this.lastNotAfter)
    )
      return false;
    const serial = readSerialNumberBytes(bytes, cells[4] as number, cells[5] as number);
    if (serial === NEEDS_FULL_PARSE || serial >= BITMAP_SERIAL_LIMIT || c.serial[row] !== serial || c.hasLongSerial(row)) return false;
    if (!c.keyEquals(row, bytes, cells[0] as number, cells[1] as number)) return false;
    this.cursor = row + 1;
    this.seenLine[row] = Math.max(1, line);
    this.counts.unchanged++;
    return true;
  }

  /** an issuer-table index for an issuer as written (resolved through the config once per distinct text) */
  issuerIndex(text: string, line: number): number {
    const known = this.issuerByText.get(text);
    if (known !== undefined) return known;
    let entry: ReturnType<IssuerResolver>;
    try {
      entry = this.resolve(text);
    } catch (e) {
      throw new WatchRowError(line, 'issuer', e instanceof Error ? e.message : String(e));
    }
    const { issuers } = this.state;
    const at = issuers.indexOf(text);
    let index = at;
    if (at < 0 || !IssuerTable.same(issuers.get(at), entry)) {
      index = issuers.put(entry);
      this.dictChanged.add(index);
    }
    this.issuerByText.set(text, index);
    return index;
  }

  private slotIndex(): SlotIndex {
    const { state } = this;
    this.index ??= new SlotIndex(state.columns, (i) => state.issuers.groupOf(i), this.baseRows + this.expectedRows);
    return this.index;
  }

  /** one slot's row, whatever it came from */
  put(key: Uint8Array, ks: number, ke: number, issuer: number, serial: number | bigint, notAfterMs: number, line: number): void {
    const c = this.state.columns;
    const { issuers } = this.state;
    const group = issuers.groupOf(issuer);
    const guess = this.cursor;
    let row: number;
    if (guess < this.baseRows && c.keyEquals(guess, key, ks, ke) && issuers.groupOf(c.issuer[guess] as number) === group) row = guess;
    else row = this.slotIndex().find(key, ks, ke, group);
    if (row < 0) {
      const added = c.append(key, ks, ke, issuer, serial, notAfterMs, 0);
      this.index?.insertRow(added);
      this.markSeen(added, line);
      this.counts.added++;
      return;
    }
    const same = c.issuer[row] === issuer && c.sameSerial(row, serial) && sameTime(c.notAfterMs[row] as number, notAfterMs);
    const first = this.seenLine[row] as number;
    if (first !== 0) {
      if (!same)
        throw new WatchRowError(
          line,
          'customerId',
          `customer "${c.keyOf(row)}" already has a ${this.state.issuers.get(issuer).group} certificate on line ${first} ` +
            '(one row per customer and issuer group; a signature and an authentication certificate are two groups)',
        );
      this.counts.duplicates++;
      if (this.counts.duplicateLines.length < 5) this.counts.duplicateLines.push([line, first]);
      return;
    }
    this.cursor = row + 1;
    this.markSeen(row, line);
    if (same) {
      this.counts.unchanged++;
      return;
    }
    if (row < this.baseRows && !this.changed.has(row))
      this.changed.set(row, rowValues(c.issuer[row] as number, c.serialOf(row), c.notAfterMs[row] as number));
    // a new certificate has nothing reported yet; the same one keeps its marks (a notAfter or issuer-name change)
    const mask = c.sameSerial(row, serial) ? (c.mask[row] as number) : 0;
    c.set(row, issuer, serial, notAfterMs, mask);
    this.counts.updated++;
  }

  private markSeen(row: number, line: number): void {
    if (row >= this.seenLine.length) {
      const bigger = new Uint32Array(Math.max(row + 1, this.seenLine.length * 2));
      bigger.set(this.seenLine);
      this.seenLine = bigger;
    }
    this.seenLine[row] = Math.max(1, line);
  }

  /** most rows of a list share a handful of notAfter dates: the last one's bytes and value are kept */
  private notAfterAt(bytes: Uint8Array, start: number, end: number, line: number): number {
    const last = this.lastNotAfter;
    if (end - start === last.length) {
      let k = 0;
      while (k < last.length && bytes[start + k] === last[k]) k++;
      if (k === last.length) return this.lastNotAfterMs;
    }
    try {
      this.lastNotAfterMs = readNotAfterCell(bytes, start, end);
    } catch (e) {
      throw new WatchRowError(line, 'notAfter', e instanceof Error ? e.message : String(e));
    }
    this.lastNotAfter = Buffer.from(bytes.subarray(start, end));
    return this.lastNotAfterMs;
  }

  private issuerAt(bytes: Uint8Array, start: number, end: number, line: number): number {
    if (start < 0 || end <= start) throw new WatchRowError(line, 'issuer', 'empty');
    const last = this.lastIssuerBytes;
    if (end - start === last.length) {
      let k = 0;
      while (k < last.length && bytes[start + k] === last[k]) k++;
      if (k === last.length) return this.lastIssuer;
    }
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end);
    const index = this.issuerIndex(text, line);
    this.lastIssuerBytes = Buffer.from(bytes.subarray(start, end));
    this.lastIssuer = index;
    return index;
  }
}

function equalBytes(bytes: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let k = 0; k < expected.length; k++) if (bytes[start + k] !== expected[k]) return false;
  return true;
}

function sameTime(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
