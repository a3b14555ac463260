/**
 * RFC 3339 text of revocation dates for millions of output rows: formatTime (Date + toISOString + a regex) per row was one of
 * the largest costs of `check`. A date is a day and a second of the day: the day's `YYYY-MM-DDT` is formatted once (by
 * formatTime itself) and the `HH:MM:SSZ` written digit by digit, as text or straight into the output bytes. Whole seconds only
 * (CRL times are); anything else goes to formatTime.
 */
import { formatTime } from '@jpki-validator/x509';

const DAY_MS = 86_400_000;
/** `HH:MM:SSZ` */
const CLOCK_CHARS = 9;
/** days remembered before the cache starts over (a CRL spans a few thousand) */
const MAX_DAYS = 1 << 16;
const DIGIT_0 = 0x30;
const COLON = 0x3a;
const Z = 0x5a;

export class TimeText {
  private readonly days = new Map<number, Uint8Array>();

  /** exactly formatTime(ms) */
  text(ms: number): string {
    const bytes = new Uint8Array(64);
    return Buffer.from(bytes.buffer, 0, this.write(ms, bytes, 0)).toString('latin1');
  }

  /** writes formatTime(ms) into `out` at `at` (room for 32 bytes needed); returns the position after it */
  write(ms: number, out: Uint8Array, at: number): number {
    if (!Number.isFinite(ms) || ms % 1000 !== 0)
      return at + Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(formatTime(ms), at, 'latin1');
    const day = Math.floor(ms / DAY_MS);
    let prefix = this.days.get(day);
    if (prefix === undefined) {
      const full = formatTime(day * DAY_MS);
      prefix = Buffer.from(full.slice(0, full.length - CLOCK_CHARS), 'latin1');
      if (this.days.size >= MAX_DAYS) this.days.clear();
      this.days.set(day, prefix);
    }
    let o = at;
    for (let k = 0; k < prefix.length; k++) out[o++] = prefix[k] as number;
    const second = (ms - day * DAY_MS) / 1000;
    const hh = Math.floor(second / 3600);
    const mm = Math.floor((second % 3600) / 60);
    const ss = second % 60;
    out[o++] = DIGIT_0 + Math.floor(hh / 10);
    out[o++] = DIGIT_0 + (hh % 10);
    out[o++] = COLON;
    out[o++] = DIGIT_0 + Math.floor(mm / 10);
    out[o++] = DIGIT_0 + (mm % 10);
    out[o++] = COLON;
    out[o++] = DIGIT_0 + Math.floor(ss / 10);
    out[o++] = DIGIT_0 + (ss % 10);
    out[o++] = Z;
    return o;
  }
}
