import { SerialError } from './errors.js';

/** Largest serial the contract accepts: 20 octets. */
const MAX_SERIAL_OCTETS = 20;

/**
 * Parses a serial as users type it: hex, case-insensitive, optional `0x`, leading zeros ignored, 1–20 octets, never negative.
 * Throws SerialError (code SERIAL_MALFORMED) naming what is wrong.
 */
export function parseSerial(input: string): bigint {
  let s = input.trim();
  if (s.startsWith('0x') || s.startsWith('0X')) s = s.slice(2);
  if (s.length === 0) throw new SerialError(input, 'empty');
  if (!/^[0-9a-fA-F]+$/.test(s)) throw new SerialError(input, 'not hexadecimal');
  const digits = s.replace(/^0+/, '');
  if (digits.length > MAX_SERIAL_OCTETS * 2) throw new SerialError(input, `longer than ${MAX_SERIAL_OCTETS} octets`);
  return digits.length === 0 ? 0n : BigInt(`0x${digits}`);
}

/**
 * The contract's output form: shortest upper-case hex (`7F00D015`, `1`, `0`); a negative value (PKITS only) with a minus sign
 * and whole octets, as OpenSSL prints it (`-01`).
 */
export function formatSerial(value: bigint): string {
  if (value >= 0n) return value.toString(16).toUpperCase();
  const hex = (-value).toString(16).toUpperCase();
  return `-${hex.length % 2 ? `0${hex}` : hex}`;
}

/** Two's-complement INTEGER content octets to a bigint. */
export function serialFromDer(buf: Uint8Array, start: number, end: number): bigint {
  if (end <= start) return 0n;
  let v = 0n;
  // Read 6 octets at a time: BigInt per octet would dominate long-serial CRLs.
  let i = start;
  for (; i + 6 <= end; i += 6) {
    const chunk =
      (buf[i] as number) * 2 ** 40 +
      (buf[i + 1] as number) * 2 ** 32 +
      (((buf[i + 2] as number) << 24) >>> 0) +
      ((buf[i + 3] as number) << 16) +
      ((buf[i + 4] as number) << 8) +
      (buf[i + 5] as number);
    v = (v << 48n) | BigInt(chunk);
  }
  for (; i < end; i++) v = (v << 8n) | BigInt(buf[i] as number);
  if (((buf[start] as number) & 0x80) !== 0) v -= 1n << BigInt((end - start) * 8);
  return v;
}

/** Formats INTEGER content octets directly (the form `crl inspect --entries` prints). */
export function formatSerialDer(buf: Uint8Array, start: number, end: number): string {
  return formatSerial(serialFromDer(buf, start, end));
}
