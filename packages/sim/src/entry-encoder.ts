import type { EntryFields } from './revocations.js';

/** Upper bound of one encoded entry (5-octet serial, GeneralizedTime, reasonCode + invalidityDate): the writer's headroom. */
export const MAX_ENTRY_BYTES = 80;

const DAY_SECONDS = 86_400;

/** Extension { id-ce-cRLReasons (2.5.29.21), OCTET STRING { ENUMERATED code } }: 12 bytes, the code last. */
const REASON_EXTENSION = [0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, 0x00] as const;
/** Extension { id-ce-invalidityDate (2.5.29.24), OCTET STRING { GeneralizedTime } }: this prefix, then the 17-byte time. */
const INVALIDITY_PREFIX = [0x30, 0x18, 0x06, 0x03, 0x55, 0x1d, 0x18, 0x04, 0x11] as const;
const INVALIDITY_EXTENSION_BYTES = INVALIDITY_PREFIX.length + 17;

const serialContentLength = (n: number): number => (n < 0x80 ? 1 : n < 0x8000 ? 2 : n < 0x800000 ? 3 : n < 0x80000000 ? 4 : 5);

/**
 * Encodes CRL entries straight into a byte buffer: no objects, no BigInt, dates from a per-day digit cache.
 *
 * ```asn1
 * SEQUENCE { userCertificate CertificateSerialNumber, revocationDate Time, crlEntryExtensions Extensions OPTIONAL }
 * ```
 * The reasonCode extension is left out for `unspecified` (RFC 5280 §5.3.1: it SHOULD be absent).
 */
export class EntryEncoder {
  /** Day number → [year, YYYYMMDD as 8 ASCII digits]. A CRL spans a few thousand days at most. */
  private readonly days = new Map<number, { year: number; digits: Uint8Array }>();

  private day(dayNumber: number): { year: number; digits: Uint8Array } {
    let d = this.days.get(dayNumber);
    if (!d) {
      const date = new Date(dayNumber * DAY_SECONDS * 1000);
      const iso = date.toISOString();
      d = { year: date.getUTCFullYear(), digits: new TextEncoder().encode(iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10)) };
      this.days.set(dayNumber, d);
    }
    return d;
  }

  /** UTCTime (13 chars) for 1950–2049, GeneralizedTime (15) otherwise: RFC 5280 §5.1.2.6. */
  private timeLength(seconds: number): number {
    const year = this.day(Math.floor(seconds / DAY_SECONDS)).year;
    return year >= 1950 && year < 2050 ? 15 : 17;
  }

  private extensionsLength(e: EntryFields): number {
    const n = (e.reasonCode !== 0 ? REASON_EXTENSION.length : 0) + (e.invalidityAtSeconds >= 0 ? INVALIDITY_EXTENSION_BYTES : 0);
    return n === 0 ? 0 : 2 + n;
  }

  /** Total bytes of the entry's TLV. Always < 128 content bytes, so a 2-byte header. */
  length(e: EntryFields): number {
    return 2 + 2 + serialContentLength(e.serial) + this.timeLength(e.revokedAtSeconds) + this.extensionsLength(e);
  }

  /** Writes the entry at `pos`; returns the position after it. */
  write(buf: Uint8Array, pos: number, e: EntryFields): number {
    const start = pos;
    buf[pos] = 0x30;
    pos += 2;
    // userCertificate INTEGER, minimal two's complement of a non-negative value below 2^32
    const n = serialContentLength(e.serial);
    buf[pos++] = 0x02;
    buf[pos++] = n;
    for (let i = n - 1; i >= 0; i--) buf[pos + i] = i >= n - 4 ? Math.floor(e.serial / 2 ** ((n - 1 - i) * 8)) & 0xff : 0;
    pos += n;
    pos = this.writeTime(buf, pos, e.revokedAtSeconds, false);
    const extLength = this.extensionsLength(e);
    if (extLength > 0) {
      buf[pos++] = 0x30;
      buf[pos++] = extLength - 2;
      if (e.reasonCode !== 0) {
        for (let i = 0; i < REASON_EXTENSION.length - 1; i++) buf[pos + i] = REASON_EXTENSION[i] as number;
        buf[pos + REASON_EXTENSION.length - 1] = e.reasonCode;
        pos += REASON_EXTENSION.length;
      }
      if (e.invalidityAtSeconds >= 0) {
        for (let i = 0; i < INVALIDITY_PREFIX.length; i++) buf[pos + i] = INVALIDITY_PREFIX[i] as number;
        pos = this.writeTime(buf, pos + INVALIDITY_PREFIX.length, e.invalidityAtSeconds, true);
      }
    }
    buf[start + 1] = pos - start - 2;
    return pos;
  }

  /** Writes a Time TLV (tag, length, digits, Z). `generalized` forces GeneralizedTime (invalidityDate). */
  private writeTime(buf: Uint8Array, pos: number, seconds: number, generalized: boolean): number {
    const dayNumber = Math.floor(seconds / DAY_SECONDS);
    const { year, digits } = this.day(dayNumber);
    const utc = !generalized && year >= 1950 && year < 2050;
    buf[pos++] = utc ? 0x17 : 0x18;
    buf[pos++] = utc ? 13 : 15;
    for (let i = utc ? 2 : 0; i < 8; i++) buf[pos++] = digits[i] as number;
    let rest = seconds - dayNumber * DAY_SECONDS;
    const hh = Math.floor(rest / 3600);
    rest -= hh * 3600;
    const mm = Math.floor(rest / 60);
    const ss = rest - mm * 60;
    buf[pos++] = 48 + Math.floor(hh / 10);
    buf[pos++] = 48 + (hh % 10);
    buf[pos++] = 48 + Math.floor(mm / 10);
    buf[pos++] = 48 + (mm % 10);
    buf[pos++] = 48 + Math.floor(ss / 10);
    buf[pos++] = 48 + (ss % 10);
    buf[pos++] = 0x5a;
    return pos;
  }
}
