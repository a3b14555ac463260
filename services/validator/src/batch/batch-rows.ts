/**
 * A batch's questions as rows, in the two forms the answerer (batch-answers.ts) takes them: the items of a parsed body (ItemRows:
 * the NDJSON stream, and any JSON body the scanner leaves to JSON.parse) and a JSON body scanned in place (ScannedRows,
 * batch-scan.ts: no object or string per item). Both give the answerer the same columns: per row an issuer index and the serial's
 * value as readSerialNumber reads it, with the serial's text and the id on demand.
 */
import { readSerialNumber, readSerialNumberBytes } from '@jpki-validator/status';
import type { BatchItem } from './batch-answers.js';
import type { JsonBytes } from '../json/json-bytes.js';

export interface BatchRows {
  readonly length: number;
  /** the distinct issuers, as the requests spell them */
  readonly issuers: readonly string[];
  /** per row: its issuer, an index into `issuers` */
  readonly issuerIndex: Int32Array;
  /** per row: the serial's value (readSerialNumber), or NEEDS_FULL_PARSE when only its text can say */
  readonly serialValue: Float64Array;
  serialText(row: number): string;
  /** the row as an item, for the rows checkMany answers */
  item(row: number): BatchItem;
  /** whether the row names its partition (such rows are answered by checkMany) */
  hasPartition(row: number): boolean;
  /** `,"id":…` as JSON.stringify writes `{ …answer, id }`, or nothing for a row without an id */
  writeId(row: number, out: JsonBytes): void;
}

const ID_KEY = Buffer.from(',"id":');

/** rows over parsed items */
export class ItemRows implements BatchRows {
  readonly issuers: string[] = [];
  readonly issuerIndex: Int32Array;
  readonly serialValue: Float64Array;

  constructor(private readonly items: readonly BatchItem[]) {
    const n = items.length;
    this.issuerIndex = new Int32Array(n);
    this.serialValue = new Float64Array(n);
    const indexOf = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const item = items[i] as BatchItem;
      let index = indexOf.get(item.issuer);
      if (index === undefined) {
        index = this.issuers.push(item.issuer) - 1;
        indexOf.set(item.issuer, index);
      }
      this.issuerIndex[i] = index;
      this.serialValue[i] = readSerialNumber(item.serial, 0, item.serial.length);
    }
  }

  get length(): number {
    return this.items.length;
  }

  serialText(row: number): string {
    return (this.items[row] as BatchItem).serial;
  }

  item(row: number): BatchItem {
    return this.items[row] as BatchItem;
  }

  hasPartition(row: number): boolean {
    return (this.items[row] as BatchItem).partition !== undefined;
  }

  writeId(row: number, out: JsonBytes): void {
    const id = (this.items[row] as BatchItem).id;
    if (typeof id === 'string') {
      out.bytes(ID_KEY);
      out.jsonString(id);
    } else if (id !== undefined) {
      const idText = JSON.stringify(id) as string | undefined;
      if (idText !== undefined) out.utf8(`,"id":${idText}`);
    }
  }
}

/**
 * rows over a JSON body scanned in place (batch-scan.ts): every string the scanner accepts is printable ASCII without escapes, and
 * every number a plain integer, so each is its own JSON text: a serial's text is its bytes, an id is written as its bytes.
 */
export class ScannedRows implements BatchRows {
  readonly serialValue: Float64Array;
  private readonly text: Buffer;

  constructor(
    private readonly body: Uint8Array,
    readonly issuers: readonly string[],
    readonly issuerIndex: Int32Array,
    /** per row: the serial's text, body[serialStart, serialEnd) */
    private readonly serialStart: Int32Array,
    private readonly serialEnd: Int32Array,
    /** per row: the id's JSON token (with its quotes for a string), body[idStart, idEnd); idStart -1 without an id */
    private readonly idStart: Int32Array,
    private readonly idEnd: Int32Array,
    readonly length: number,
    /** where the serial values go (length ≥ `length`) */
    serialValue: Float64Array,
  ) {
    this.text = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    this.serialValue = serialValue;
    for (let i = 0; i < length; i++) this.serialValue[i] = readSerialNumberBytes(body, serialStart[i] as number, serialEnd[i] as number);
  }

  serialText(row: number): string {
    return this.text.toString('latin1', this.serialStart[row], this.serialEnd[row]);
  }

  item(row: number): BatchItem {
    const item: BatchItem = { issuer: this.issuers[this.issuerIndex[row] as number] as string, serial: this.serialText(row) };
    const start = this.idStart[row] as number;
    if (start >= 0) item.id = JSON.parse(this.text.toString('latin1', start, this.idEnd[row])) as unknown;
    return item;
  }

  /** the scanner takes only issuer, serial and id (batch-scan.ts): a body with `partition` is parsed as items instead */
  hasPartition(): boolean {
    return false;
  }

  writeId(row: number, out: JsonBytes): void {
    const start = this.idStart[row] as number;
    if (start < 0) return;
    out.bytes(ID_KEY);
    out.copy(this.body, start, this.idEnd[row] as number);
  }
}
