import { DerError } from '../errors.js';

/** Universal tags used across X.509. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One DER element: offsets are into the buffer it was read from. */
export interface Tlv {
  tag: number;
  /** offset of the tag byte */
  start: number;
  contentStart: number;
  contentEnd: number;
}

/**
 * Reads the header of one DER element at `offset`, which must end by `limit`.
 * Strict DER: single-byte tags, definite minimal lengths of at most 4 length octets.
 * `base` is added to offsets in errors, so a reader over a chunk reports absolute positions.
 */
export function readTlv(buf: Uint8Array, offset: number, limit: number, path: string, base = 0): Tlv {
  if (offset >= limit) throw new DerError('DER_TRUNCATED', 'expected an element, found end of data', base + offset, path);
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f)
    throw new DerError('DER_MALFORMED', `multi-byte tag 0x${tag.toString(16)} is not used in X.509`, base + offset, path);
  if (offset + 1 >= limit) throw new DerError('DER_TRUNCATED', 'length missing', base + offset + 1, path);
  let p = offset + 1;
  const first = buf[p++] as number;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw new DerError('DER_MALFORMED', 'indefinite length is not DER', base + offset + 1, path);
  } else {
    const n = first & 0x7f;
    if (n > 4) throw new DerError('DER_MALFORMED', `length of ${n} octets is too large`, base + offset + 1, path);
    if (p + n > limit) throw new DerError('DER_TRUNCATED', 'length octets cut short', base + p, path);
    if (buf[p] === 0) throw new DerError('DER_MALFORMED', 'length has a leading zero octet (not minimal DER)', base + p, path);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (buf[p++] as number);
    if (length < 0x80) throw new DerError('DER_MALFORMED', 'long-form length below 128 (not minimal DER)', base + offset + 1, path);
  }
  const contentEnd = p + length;
  if (contentEnd > limit) {
    throw new DerError(
      'DER_TRUNCATED',
      `element of ${length} bytes runs past the end of its container (${limit - p} bytes left)`,
      base + offset,
      path,
    );
  }
  return { tag, start: offset, contentStart: p, contentEnd };
}

export function expectTag(tlv: Tlv, tag: number, path: string, base = 0): Tlv {
  if (tlv.tag !== tag) {
    throw new DerError(
      'DER_MALFORMED',
      `expected tag 0x${tag.toString(16).padStart(2, '0')}, found 0x${tlv.tag.toString(16).padStart(2, '0')}`,
      base + tlv.start,
      path,
    );
  }
  return tlv;
}

/** Reads one element and checks its tag. */
export function readExpected(buf: Uint8Array, offset: number, limit: number, tag: number, path: string, base = 0): Tlv {
  return expectTag(readTlv(buf, offset, limit, path, base), tag, path, base);
}

/** The direct children of a constructed element, checked to fill it exactly. */
export function readChildren(buf: Uint8Array, parent: Tlv, path: string, base = 0): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.contentStart;
  while (p < parent.contentEnd) {
    const child = readTlv(buf, p, parent.contentEnd, `${path}[${out.length}]`, base);
    out.push(child);
    p = child.contentEnd;
  }
  return out;
}

/** Parses a whole buffer as exactly one element: trailing bytes are an error. */
export function readSingle(buf: Uint8Array, path: string, base = 0): Tlv {
  const tlv = readTlv(buf, 0, buf.length, path, base);
  if (tlv.contentEnd !== buf.length) {
    throw new DerError(
      'DER_TRAILING_DATA',
      `${buf.length - tlv.contentEnd} bytes after the end of the element`,
      base + tlv.contentEnd,
      path,
    );
  }
  return tlv;
}

/** Boolean content: DER requires 0x00 or 0xFF. */
export function readBoolean(buf: Uint8Array, tlv: Tlv, path: string, base = 0): boolean {
  expectTag(tlv, TAG.BOOLEAN, path, base);
  if (tlv.contentEnd - tlv.contentStart !== 1) throw new DerError('DER_MALFORMED', 'BOOLEAN must be one octet', base + tlv.start, path);
  const v = buf[tlv.contentStart];
  if (v === 0xff) return true;
  if (v === 0x00) return false;
  throw new DerError('DER_MALFORMED', 'BOOLEAN must be 0x00 or 0xFF in DER', base + tlv.contentStart, path);
}

/** A small non-negative INTEGER (versions, counts); larger values throw. */
export function readSmallInteger(buf: Uint8Array, tlv: Tlv, path: string, base = 0): number {
  const len = tlv.contentEnd - tlv.contentStart;
  if (len < 1) throw new DerError('DER_MALFORMED', 'INTEGER with no content', base + tlv.start, path);
  if (len > 6) throw new DerError('DER_MALFORMED', 'INTEGER too large for this field', base + tlv.start, path);
  const first = buf[tlv.contentStart] as number;
  if (first & 0x80) throw new DerError('DER_MALFORMED', 'negative INTEGER where a count is expected', base + tlv.start, path);
  if (len > 1 && first === 0 && ((buf[tlv.contentStart + 1] as number) & 0x80) === 0) {
    throw new DerError('DER_MALFORMED', 'INTEGER has a superfluous leading zero (not minimal DER)', base + tlv.start, path);
  }
  let v = 0;
  for (let i = tlv.contentStart; i < tlv.contentEnd; i++) v = v * 256 + (buf[i] as number);
  return v;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
