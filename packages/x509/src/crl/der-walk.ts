import { DerError } from '../errors.js';
import { readTlv } from '../der/tlv.js';

/**
 * Checks that `[start, end)` holds exactly one well-formed DER element, descending into every constructed element (tag bit 0x20)
 * up to `maxDepth` levels. Used for extension values this engine does not interpret: a CRL whose unknown extension is not even
 * DER is malformed, and a hostile one must not be able to recurse without bound. `base` turns positions into absolute offsets.
 */
export function checkDerElement(buf: Uint8Array, start: number, end: number, maxDepth: number, path: string, base: number): void {
  const tlv = readTlv(buf, start, end, path, base);
  if (tlv.contentEnd !== end) {
    throw new DerError('DER_MALFORMED', `${end - tlv.contentEnd} bytes after the element`, base + tlv.contentEnd, path);
  }
  walk(buf, tlv.tag, tlv.start, tlv.contentStart, tlv.contentEnd, 1, maxDepth, path, base);
}

function walk(
  buf: Uint8Array,
  tag: number,
  start: number,
  contentStart: number,
  contentEnd: number,
  depth: number,
  maxDepth: number,
  path: string,
  base: number,
): void {
  if ((tag & 0x20) === 0) return;
  if (depth > maxDepth) throw new DerError('DER_TOO_DEEP', `nesting deeper than ${maxDepth} levels`, base + start, path);
  let p = contentStart;
  while (p < contentEnd) {
    const child = readTlv(buf, p, contentEnd, path, base);
    walk(buf, child.tag, child.start, child.contentStart, child.contentEnd, depth + 1, maxDepth, path, base);
    p = child.contentEnd;
  }
}
