import { encodeOid } from './oid.js';
import { TAG } from './tlv.js';

/**
 * A small DER encoder for building test fixtures, simulator certificates and CRLs. Values are built bottom-up as byte arrays;
 * the hot path (the simulator's CRL writer) uses `encodeLength` and writes entries into its own buffers.
 */
export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concatBytes(content);
  return concatBytes([Uint8Array.of(tag), encodeLength(body.length), body]);
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...items);
export const set = (...items: Uint8Array[]): Uint8Array => tlv(TAG.SET, ...items);
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, bytes);
export const oid = (dotted: string): Uint8Array => tlv(TAG.OID, encodeOid(dotted));
export const nullValue = (): Uint8Array => Uint8Array.of(TAG.NULL, 0);
export const boolean = (v: boolean): Uint8Array => Uint8Array.of(TAG.BOOLEAN, 1, v ? 0xff : 0);
const textEncoder = new TextEncoder();
export const utf8String = (s: string): Uint8Array => tlv(TAG.UTF8_STRING, textEncoder.encode(s));
export const printableString = (s: string): Uint8Array => tlv(TAG.PRINTABLE_STRING, textEncoder.encode(s));
export const ia5String = (s: string): Uint8Array => tlv(TAG.IA5_STRING, textEncoder.encode(s));
/** [n] EXPLICIT */
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 | n, inner);
/** [n] IMPLICIT over a primitive value's content */
export const implicitPrimitive = (n: number, content: Uint8Array): Uint8Array => tlv(0x80 | n, content);
/** [n] IMPLICIT over a constructed value's content */
export const implicitConstructed = (n: number, ...content: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...content);

/** BIT STRING with no unused bits. */
export const bitString = (bytes: Uint8Array): Uint8Array => tlv(TAG.BIT_STRING, Uint8Array.of(0), bytes);

/** Minimal two's-complement content octets of an integer. */
export function integerContent(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  const bytes: number[] = [];
  if (v === 0n) return Uint8Array.of(0);
  if (v > 0n) {
    while (v > 0n) {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    }
    if ((bytes[0] as number) & 0x80) bytes.unshift(0);
  } else {
    while (v < -1n || bytes.length === 0 || ((bytes[0] as number) & 0x80) === 0) {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
      if (v === -1n && ((bytes[0] as number) & 0x80) !== 0) break;
    }
  }
  return Uint8Array.from(bytes);
}

export const integer = (value: bigint | number): Uint8Array => tlv(TAG.INTEGER, integerContent(value));

/** ENUMERATED (e.g. CRLReason). */
export const enumerated = (value: number): Uint8Array => tlv(TAG.ENUMERATED, integerContent(value));

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5). */
export function time(date: Date): Uint8Array {
  const y = date.getUTCFullYear();
  return y >= 1950 && y < 2050 ? utcTime(date) : generalizedTime(date);
}

export function utcTime(date: Date): Uint8Array {
  const s = `${pad(date.getUTCFullYear() % 100)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return tlv(TAG.UTC_TIME, textEncoder.encode(s));
}

export function generalizedTime(date: Date): Uint8Array {
  const s = `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return tlv(TAG.GENERALIZED_TIME, textEncoder.encode(s));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
export function extension(extnID: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? sequence(oid(extnID), boolean(true), octetString(value)) : sequence(oid(extnID), octetString(value));
}
