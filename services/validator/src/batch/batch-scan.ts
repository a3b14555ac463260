/**
 * A JSON batch body read in place: `{"items":[{"issuer":"…","serial":"…","id":…},…]}` scanned byte by byte into columns
 * (batch-rows.ts ScannedRows), with no object or string per item. JSON.parse of a 10 000-item body builds 10 000 objects and
 * 20 000 strings that the answerer only reads once; it was a third of the batch endpoint's CPU.
 *
 * Only the plain form is taken: `items` the only key of the body; per item `issuer` and `serial` strings and an optional `id`,
 * each key once and no other; strings of printable ASCII without escapes; an `id` that is such a string or a plain integer
 * (no sign on zero, no fraction or exponent, at most 15 digits), so that every token is already what JSON.stringify writes for
 * its value; JSON whitespace anywhere between tokens; at most `maxItems` items. Anything else — escapes, other characters, other
 * keys, other types, a byte order mark, too many items, malformed JSON — returns null and the caller parses the body as before
 * (routes/batch.ts), so every body that is refused or unusual gets exactly the answer it got before.
 */
import { ScannedRows } from './batch-rows.js';
import { FRESH_ARRAYS, type ScratchArrays } from '../buffers/scratch-arrays.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const MAX_ID_DIGITS = 15;

const ITEMS_KEY = Buffer.from('"items"');
const KEY_ISSUER = 1;
const KEY_SERIAL = 2;
const KEY_ID = 4;

/** per-row columns, as many rows as the body can hold */
class Columns {
  readonly issuerIndex: Int32Array;
  readonly serialStart: Int32Array;
  readonly serialEnd: Int32Array;
  readonly idStart: Int32Array;
  readonly idEnd: Int32Array;

  constructor(
    readonly capacity: number,
    scratch: ScratchArrays,
  ) {
    this.issuerIndex = scratch.int32(capacity);
    this.serialStart = scratch.int32(capacity);
    this.serialEnd = scratch.int32(capacity);
    this.idStart = scratch.int32(capacity);
    this.idEnd = scratch.int32(capacity);
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipSpace(b: Uint8Array, p: number): number {
  while (p < b.length && isSpace(b[p] as number)) p++;
  return p;
}

/** per byte: 1 for printable ASCII other than `"` and `\` (a plain string's bytes), else 0 */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c <= 0x7e; c++) PLAIN[c] = c === QUOTE || c === 0x5c ? 0 : 1;

/** b[p] is an opening quote: the position after the closing quote, or -1 for an escape, a control or a non-ASCII byte */
function endOfPlainString(b: Uint8Array, p: number): number {
  const n = b.length;
  let q = p + 1;
  while (q < n && PLAIN[b[q] as number] === 1) q++;
  return q < n && b[q] === QUOTE ? q + 1 : -1;
}

/** b[p] starts a number: the position after a plain integer that JSON.stringify would write the same, or -1 */
function endOfPlainInteger(b: Uint8Array, p: number): number {
  let q = p;
  if (b[q] === 0x2d) q++;
  const first = q;
  while (q < b.length && (b[q] as number) >= 0x30 && (b[q] as number) <= 0x39) q++;
  const digits = q - first;
  if (digits === 0 || digits > MAX_ID_DIGITS) return -1;
  // a leading zero only as `0` itself, and never `-0` (JSON.stringify(-0) is `0`)
  if (b[first] === 0x30 && (digits > 1 || first > p)) return -1;
  const next = b[q];
  // a fraction, an exponent or anything glued on: not plain
  if (next === 0x2e || next === 0x65 || next === 0x45 || next === 0x2b || next === 0x2d) return -1;
  return q;
}

/**
 * b[p] is a key's opening quote: KEY_* for `"issuer"`, `"serial"` or `"id"` (matched in place: most of a body is these keys), or
 * 0 for any other key, which the caller declines. The key ends KEY_LENGTH[key] bytes later.
 */
function keyAt(b: Uint8Array, p: number): number {
  const c = b[p + 1];
  if (c === 0x69) {
    // "id" or "issuer"
    if (b[p + 2] === 0x64 && b[p + 3] === QUOTE) return KEY_ID;
    if (b[p + 2] === 0x73 && b[p + 3] === 0x73 && b[p + 4] === 0x75 && b[p + 5] === 0x65 && b[p + 6] === 0x72 && b[p + 7] === QUOTE)
      return KEY_ISSUER;
    return 0;
  }
  if (
    c === 0x73 &&
    b[p + 2] === 0x65 &&
    b[p + 3] === 0x72 &&
    b[p + 4] === 0x69 &&
    b[p + 5] === 0x61 &&
    b[p + 6] === 0x6c &&
    b[p + 7] === QUOTE
  )
    return KEY_SERIAL;
  return 0;
}

/** bytes of each key with its quotes, by KEY_* */
const KEY_LENGTH: readonly number[] = (() => {
  const lengths: number[] = [];
  lengths[KEY_ISSUER] = 8;
  lengths[KEY_SERIAL] = 8;
  lengths[KEY_ID] = 4;
  return lengths;
})();

function sameBytes(b: Uint8Array, start: number, end: number, other: Uint8Array): boolean {
  if (end - start !== other.length) return false;
  for (let i = 0; i < other.length; i++) if (b[start + i] !== other[i]) return false;
  return true;
}

/** the most items a body of `bytes` bytes can hold: `{"issuer":"","serial":""}` is 25 bytes, and items are comma-separated */
export const maxItemsIn = (bytes: number): number => Math.floor((bytes + 1) / 26);

/** the body's rows, or null: parse it (see the module comment). Columns come from `scratch` (scratch-arrays.ts). */
export function scanBatchBody(b: Uint8Array, maxItems: number, scratch: ScratchArrays = FRESH_ARRAYS): ScannedRows | null {
  let p = skipSpace(b, 0);
  if (b[p] !== OPEN_BRACE) return null;
  p = skipSpace(b, p + 1);
  if (!sameBytes(b, p, Math.min(p + ITEMS_KEY.length, b.length), ITEMS_KEY)) return null;
  p = skipSpace(b, p + ITEMS_KEY.length);
  if (b[p] !== COLON) return null;
  p = skipSpace(b, p + 1);
  if (b[p] !== OPEN_BRACKET) return null;
  p = skipSpace(b, p + 1);

  const cols = new Columns(Math.max(1, Math.min(maxItems, maxItemsIn(b.length))), scratch);
  const issuers: string[] = [];
  /** each issuer's bytes, quotes excluded, to match the next rows' without decoding them */
  const issuerBytes: Uint8Array[] = [];
  let lastIssuer = -1;
  let count = 0;

  if (b[p] === CLOSE_BRACKET) p++;
  else {
    for (;;) {
      if (b[p] !== OPEN_BRACE) return null;
      p = skipSpace(b, p + 1);
      let seen = 0;
      let issuerStart = 0;
      let issuerEnd = 0;
      let serialStart = 0;
      let serialEnd = 0;
      let idStart = -1;
      let idEnd = -1;
      for (;;) {
        if (b[p] !== QUOTE) return null;
        const key = keyAt(b, p);
        if (key === 0 || (seen & key) !== 0) return null;
        seen |= key;
        p = skipSpace(b, p + (KEY_LENGTH[key] as number));
        if (b[p] !== COLON) return null;
        p = skipSpace(b, p + 1);
        let end: number;
        if (b[p] === QUOTE) end = endOfPlainString(b, p);
        else if (key === KEY_ID && p < b.length) end = endOfPlainInteger(b, p);
        else return null;
        if (end < 0) return null;
        if (key === KEY_ISSUER) {
          issuerStart = p + 1;
          issuerEnd = end - 1;
        } else if (key === KEY_SERIAL) {
          serialStart = p + 1;
          serialEnd = end - 1;
        } else {
          idStart = p;
          idEnd = end;
        }
        p = skipSpace(b, end);
        if (b[p] === COMMA) {
          p = skipSpace(b, p + 1);
          continue;
        }
        if (b[p] === CLOSE_BRACE) break;
        return null;
      }
      if ((seen & (KEY_ISSUER | KEY_SERIAL)) !== (KEY_ISSUER | KEY_SERIAL)) return null;
      if (count === maxItems) return null;
      // cannot happen (the capacity is the most items the body's length allows); declining is the safe answer
      if (count === cols.capacity) return null;

      let issuer = lastIssuer;
      if (issuer < 0 || !sameBytes(b, issuerStart, issuerEnd, issuerBytes[issuer] as Uint8Array)) {
        issuer = issuerBytes.findIndex((known) => sameBytes(b, issuerStart, issuerEnd, known));
        if (issuer < 0) {
          issuer = issuers.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1', issuerStart, issuerEnd)) - 1;
          issuerBytes.push(b.slice(issuerStart, issuerEnd));
        }
        lastIssuer = issuer;
      }
      cols.issuerIndex[count] = issuer;
      cols.serialStart[count] = serialStart;
      cols.serialEnd[count] = serialEnd;
      cols.idStart[count] = idStart;
      cols.idEnd[count] = idEnd;
      count++;

      p = skipSpace(b, p + 1);
      if (b[p] === COMMA) {
        p = skipSpace(b, p + 1);
        continue;
      }
      if (b[p] === CLOSE_BRACKET) {
        p++;
        break;
      }
      return null;
    }
  }
  p = skipSpace(b, p);
  if (b[p] !== CLOSE_BRACE) return null;
  if (skipSpace(b, p + 1) !== b.length) return null;
  return new ScannedRows(
    b,
    issuers,
    cols.issuerIndex,
    cols.serialStart,
    cols.serialEnd,
    cols.idStart,
    cols.idEnd,
    count,
    scratch.float64(count),
  );
}
