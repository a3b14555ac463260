import { DerError } from '../errors.js';

/**
 * A DER header read from a buffer that may not yet hold all of it (streaming input). Reused: the scanner owns one and reads
 * `tag`, `contentStart` and `contentEnd` right after `readStreamHeader` returns true.
 */
export interface StreamHeader {
  tag: number;
  contentStart: number;
  contentEnd: number;
  /** when the header is incomplete: how many bytes from the element's start are needed to read it */
  need: number;
}

export function createStreamHeader(): StreamHeader {
  return { tag: 0, contentStart: 0, contentEnd: 0, need: 0 };
}

/**
 * Reads the tag and length at `p` from the bytes available in `[p, end)`. Returns false (with `h.need` set) when the header itself
 * is cut by the end of the available bytes; the content may still be incomplete when it returns true (compare `h.contentEnd`).
 * Strict DER: single-byte tags, definite minimal lengths of at most 4 octets. `base` turns buffer positions into absolute offsets.
 */
export function readStreamHeader(h: StreamHeader, buf: Uint8Array, p: number, end: number, base: number, path: string): boolean {
  if (p + 2 > end) {
    h.need = 2;
    return false;
  }
  const tag = buf[p] as number;
  if ((tag & 0x1f) === 0x1f)
    throw new DerError('DER_MALFORMED', `multi-byte tag 0x${tag.toString(16)} is not used in X.509`, base + p, path);
  const first = buf[p + 1] as number;
  let length: number;
  let contentStart: number;
  if (first < 0x80) {
    length = first;
    contentStart = p + 2;
  } else {
    if (first === 0x80) throw new DerError('DER_MALFORMED', 'indefinite length is not DER', base + p + 1, path);
    const n = first & 0x7f;
    if (n > 4) throw new DerError('DER_MALFORMED', `length of ${n} octets is too large`, base + p + 1, path);
    if (p + 2 + n > end) {
      h.need = 2 + n;
      return false;
    }
    if (buf[p + 2] === 0) throw new DerError('DER_MALFORMED', 'length has a leading zero octet (not minimal DER)', base + p + 2, path);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (buf[p + 2 + i] as number);
    if (length < 0x80) throw new DerError('DER_MALFORMED', 'long-form length below 128 (not minimal DER)', base + p + 1, path);
    contentStart = p + 2 + n;
  }
  h.tag = tag;
  h.contentStart = contentStart;
  h.contentEnd = contentStart + length;
  return true;
}
