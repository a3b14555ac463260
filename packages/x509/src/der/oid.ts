import { DerError } from '../errors.js';

/** Decodes OBJECT IDENTIFIER content octets to dotted form. */
export function decodeOid(buf: Uint8Array, start: number, end: number, path = 'oid', base = 0): string {
  if (end <= start) throw new DerError('DER_MALFORMED', 'empty OBJECT IDENTIFIER', base + start, path);
  const arcs: string[] = [];
  let value = 0n;
  let small = 0;
  let big = false;
  let first = true;
  for (let i = start; i < end; i++) {
    const b = buf[i] as number;
    if (small === 0 && !big && b === 0x80) throw new DerError('DER_MALFORMED', 'OID arc with a leading 0x80 (not minimal)', base + i, path);
    if (!big && small > 0x1ffffffffff) {
      big = true;
      value = BigInt(small);
    }
    if (big) value = (value << 7n) | BigInt(b & 0x7f);
    else small = small * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      const arc = big ? value : BigInt(small);
      if (first) {
        const x = arc < 40n ? 0n : arc < 80n ? 1n : 2n;
        arcs.push(x.toString(), (arc - x * 40n).toString());
        first = false;
      } else {
        arcs.push(arc.toString());
      }
      small = 0;
      value = 0n;
      big = false;
    } else if (i === end - 1) {
      throw new DerError('DER_MALFORMED', 'OID ends inside an arc', base + i, path);
    }
  }
  return arcs.join('.');
}

/** Encodes a dotted OID to content octets (no tag/length). */
export function encodeOid(oid: string): Uint8Array {
  const parts = oid.split('.').map((p) => BigInt(p));
  if (parts.length < 2) throw new Error(`bad OID ${oid}`);
  const arcs = [(parts[0] as bigint) * 40n + (parts[1] as bigint), ...parts.slice(2)];
  const out: number[] = [];
  for (const arc of arcs) {
    const tmp: number[] = [];
    let v = arc;
    do {
      tmp.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < tmp.length - 1; i++) tmp[i] = (tmp[i] as number) | 0x80;
    out.push(...tmp);
  }
  return Uint8Array.from(out);
}
