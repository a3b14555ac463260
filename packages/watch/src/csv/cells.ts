/**
 * A watch-list row's serial and notAfter cells read from their UTF-8 bytes in place. The common shapes (a hex serial of up to 13
 * digits, `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ`) never become strings; anything else is decoded and handed to the general parser,
 * which alone decides what it means.
 */
import { NEEDS_FULL_PARSE, readSerialNumberBytes } from '@jpki-validator/status';
import { parseSerial } from '@jpki-validator/x509';
import { BITMAP_SERIAL_LIMIT } from '../list/watch-columns.js';

/** a serial in the bitmap range as a number, anything else as a bigint; throws Error(problem) */
export function readSerialCell(bytes: Uint8Array, start: number, end: number): number | bigint {
  const fast = readSerialNumberBytes(bytes, start, end);
  if (fast !== NEEDS_FULL_PARSE) return fast < BITMAP_SERIAL_LIMIT ? fast : BigInt(fast);
  const value = parseSerial(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end));
  return value >= 0n && value < BigInt(BITMAP_SERIAL_LIMIT) ? Number(value) : value;
}

const digit = (bytes: Uint8Array, at: number): number => {
  const d = (bytes[at] as number) - 0x30;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const number = (bytes: Uint8Array, at: number, len: number): number => {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 10 + digit(bytes, at + i);
  return v;
};

/** ms since the epoch, or throws Error(problem): an ISO date (midnight UTC) or an RFC 3339 time with its offset */
export function readNotAfterCell(bytes: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if ((len === 10 || (len === 20 && bytes[start + 10] === 0x54 && bytes[end - 1] === 0x5a)) && bytes[start + 4] === 0x2d) {
    const y = number(bytes, start, 4);
    const m = number(bytes, start + 5, 2);
    const d = number(bytes, start + 8, 2);
    const hh = len === 20 ? number(bytes, start + 11, 2) : 0;
    const mm = len === 20 ? number(bytes, start + 14, 2) : 0;
    const ss = len === 20 ? number(bytes, start + 17, 2) : 0;
    const ms = Date.UTC(y, m - 1, d, hh, mm, ss);
    const back = new Date(ms);
    if (
      Number.isFinite(ms) &&
      bytes[start + 7] === 0x2d &&
      back.getUTCMonth() === m - 1 &&
      back.getUTCDate() === d &&
      hh < 24 &&
      mm < 60 &&
      ss < 60 &&
      (len === 10 || (bytes[start + 13] === 0x3a && bytes[start + 16] === 0x3a))
    )
      return ms;
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end);
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  if (!/^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/.test(text))
    throw new Error(`"${shown}" is not an ISO date or an RFC 3339 time with its offset (e.g. 2031-03-31 or 2031-03-31T14:59:59Z)`);
  // Date.parse rolls impossible days over (2031-02-30 → March 2): the calendar date is checked on its own
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) throw new Error(`"${shown}" is not a valid date`);
  return ms;
}
