/**
 * A serial read straight out of a line of text, without slicing it out and without BigInt: bulk checks of millions of rows
 * (JPKI serials are ~8 hex digits) should not pay a regex, a substring and a BigInt per row.
 *
 * Only the plain form is read here: hex digits, an optional `0x`/`0X`, at most 13 significant digits (13 × 4 = 52 bits, exact in
 * a double). Anything else — whitespace to trim, a non-hex character, an empty cell, a longer serial — answers
 * NEEDS_FULL_PARSE, and the caller hands the text to x509's `parseSerial`, which alone decides what it means. So whatever this
 * returns is exactly the value `parseSerial` gives for the same text.
 */

/** the text is not in the plain form: read it with `parseSerial` (it may still be valid, or malformed) */
export const NEEDS_FULL_PARSE = -1;

/** significant hex digits a double holds exactly */
const MAX_FAST_DIGITS = 13;

/** hex digit values by char code; -1 for anything else */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) HEX_VALUE[0x30 + d] = d;
for (let d = 0; d < 6; d++) {
  HEX_VALUE[0x41 + d] = 10 + d;
  HEX_VALUE[0x61 + d] = 10 + d;
}

/** The serial in text[start, end) as a number (0 … 2^52 − 1), or NEEDS_FULL_PARSE. */
export function readSerialNumber(text: string, start: number, end: number): number {
  let p = start;
  // `0x` / `0X` prefix, as parseSerial strips it (only when something follows it can the rest be plain)
  if (end - p > 2 && text.charCodeAt(p) === 0x30 && (text.charCodeAt(p + 1) | 0x20) === 0x78) p += 2;
  if (p >= end) return NEEDS_FULL_PARSE; // empty: parseSerial says why
  let value = 0;
  let digits = 0;
  for (; p < end; p++) {
    const c = text.charCodeAt(p);
    const d = c < 128 ? (HEX_VALUE[c] as number) : -1;
    if (d < 0) return NEEDS_FULL_PARSE;
    if (digits === 0 && d === 0) continue; // leading zeros
    if (++digits > MAX_FAST_DIGITS) return NEEDS_FULL_PARSE;
    value = value * 16 + d;
  }
  return value;
}

/** readSerialNumber over UTF-8 bytes (a CSV line as read from the file, never decoded): bytes[start, end) */
export function readSerialNumberBytes(bytes: Uint8Array, start: number, end: number): number {
  let p = start;
  if (end - p > 2 && bytes[p] === 0x30 && ((bytes[p + 1] as number) | 0x20) === 0x78) p += 2;
  if (p >= end) return NEEDS_FULL_PARSE;
  let value = 0;
  let digits = 0;
  for (; p < end; p++) {
    const c = bytes[p] as number;
    // a byte ≥ 0x80 is part of a multi-byte character: never a hex digit
    const d = c < 128 ? (HEX_VALUE[c] as number) : -1;
    if (d < 0) return NEEDS_FULL_PARSE;
    if (digits === 0 && d === 0) continue;
    if (++digits > MAX_FAST_DIGITS) return NEEDS_FULL_PARSE;
    value = value * 16 + d;
  }
  return value;
}
