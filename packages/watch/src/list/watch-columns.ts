/**
 * The watch list as columns: one row per watched certificate — a customer's (customerId, issuer group) slot, so a customer with a
 * signature and an authentication certificate has two rows. Rows are never removed and never move: a row number names the same
 * slot in every checkpoint and journal record, which is what lets a pass record "reported" marks by row.
 *
 * Per row: the customer id (UTF-8 bytes in one blob, `keyEnds[r]` its end), the issuer (an index into the issuer table), the
 * serial (its value when in 0 … 2^32-1, else in `longSerials`), notAfter (ms, NaN when unknown) and `mask`: the reasons already
 * reported for the row's current certificate (bit = CRLReason code) and EXPIRED_BIT once its expiry was reported. At 10 M rows
 * of 10-byte ids that is ~30 bytes a row, without one object per row.
 */
export const EXPIRED_BIT = 1 << 15;
export const BITMAP_SERIAL_LIMIT = 2 ** 32;

export function inBitmapRange(serial: bigint): boolean {
  return serial >= 0n && serial < BigInt(BITMAP_SERIAL_LIMIT);
}

const MIN_ROWS = 1024;

export class WatchColumns {
  rows = 0;
  keyBytes: Buffer;
  keyUsed = 0;
  keyEnds: Uint32Array;
  issuer: Uint16Array;
  serial: Uint32Array;
  notAfterMs: Float64Array;
  mask: Uint16Array;
  /** rows whose serial is outside the bitmap range (negative or ≥ 2^32), by row */
  readonly longSerials = new Map<number, bigint>();

  constructor(capacityRows = MIN_ROWS, keyCapacityBytes = capacityRows * 12) {
    const rows = Math.max(MIN_ROWS, capacityRows);
    this.keyBytes = Buffer.allocUnsafe(Math.max(4096, keyCapacityBytes));
    this.keyEnds = new Uint32Array(rows);
    this.issuer = new Uint16Array(rows);
    this.serial = new Uint32Array(rows);
    this.notAfterMs = new Float64Array(rows);
    this.mask = new Uint16Array(rows);
  }

  get capacity(): number {
    return this.keyEnds.length;
  }

  keyStart(row: number): number {
    return row === 0 ? 0 : (this.keyEnds[row - 1] as number);
  }

  keyOf(row: number): string {
    return this.keyBytes.toString('utf8', this.keyStart(row), this.keyEnds[row] as number);
  }

  keyEquals(row: number, bytes: Uint8Array, start: number, end: number): boolean {
    const from = this.keyStart(row);
    const to = this.keyEnds[row] as number;
    if (to - from !== end - start) return false;
    const kb = this.keyBytes;
    for (let i = 0; i < end - start; i++) if (kb[from + i] !== bytes[start + i]) return false;
    return true;
  }

  hasLongSerial(row: number): boolean {
    return this.longSerials.size > 0 && this.longSerials.has(row);
  }

  serialOf(row: number): bigint {
    return this.longSerials.get(row) ?? BigInt(this.serial[row] as number);
  }

  /** appends a row; returns its number */
  append(
    key: Uint8Array,
    keyStart: number,
    keyEnd: number,
    issuer: number,
    serial: bigint | number,
    notAfterMs: number,
    mask: number,
  ): number {
    const row = this.rows;
    if (row === this.capacity) this.grow(Math.ceil(row * 1.5));
    const length = keyEnd - keyStart;
    if (this.keyUsed + length > this.keyBytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.keyBytes.length * 2, this.keyUsed + length));
      this.keyBytes.copy(bigger, 0, 0, this.keyUsed);
      this.keyBytes = bigger;
    }
    const kb = this.keyBytes;
    let o = this.keyUsed;
    for (let i = keyStart; i < keyEnd; i++) kb[o++] = key[i] as number;
    this.keyUsed = o;
    this.keyEnds[row] = o;
    this.rows = row + 1;
    this.set(row, issuer, serial, notAfterMs, mask);
    return row;
  }

  set(row: number, issuer: number, serial: bigint | number, notAfterMs: number, mask: number): void {
    this.issuer[row] = issuer;
    if (typeof serial === 'number') {
      this.serial[row] = serial;
      this.longSerials.delete(row);
    } else if (inBitmapRange(serial)) {
      this.serial[row] = Number(serial);
      this.longSerials.delete(row);
    } else {
      this.serial[row] = 0;
      this.longSerials.set(row, serial);
    }
    this.notAfterMs[row] = notAfterMs;
    this.mask[row] = mask;
  }

  /** whether the row holds exactly this certificate (serial given as a number in range, or a bigint) */
  sameSerial(row: number, serial: bigint | number): boolean {
    const long = this.longSerials.size === 0 ? undefined : this.longSerials.get(row);
    if (typeof serial === 'number') return long === undefined && this.serial[row] === serial;
    if (long !== undefined) return long === serial;
    return inBitmapRange(serial) && this.serial[row] === Number(serial);
  }

  ensureCapacity(rows: number): void {
    if (rows > this.capacity) this.grow(rows);
  }

  private grow(rows: number): void {
    const n = Math.max(MIN_ROWS, rows);
    this.keyEnds = grownCopy(this.keyEnds, new Uint32Array(n), this.rows);
    this.issuer = grownCopy(this.issuer, new Uint16Array(n), this.rows);
    this.serial = grownCopy(this.serial, new Uint32Array(n), this.rows);
    this.notAfterMs = grownCopy(this.notAfterMs, new Float64Array(n), this.rows);
    this.mask = grownCopy(this.mask, new Uint16Array(n), this.rows);
  }
}

function grownCopy<T extends Uint32Array | Uint16Array | Float64Array>(from: T, to: T, used: number): T {
  to.set(from.subarray(0, used) as never);
  return to;
}
