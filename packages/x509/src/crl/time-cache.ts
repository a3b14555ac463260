import { readTimeMs } from '../der/time.js';

/**
 * Revocation and invalidity dates, read fast: `readTimeMs` checks a time fully (and allocates a Date to reject 31 February), which
 * would dominate a loop over millions of entries. Entries of a CRL fall on comparatively few calendar days, so each day is checked
 * by `readTimeMs` once and its start cached; later times of that day only need their digits and clock fields checked here.
 * Anything unusual (not `…Z`, a bad digit, an out-of-range field) goes to `readTimeMs`, which throws with the offset.
 */
export class TimeReader {
  /** UTCTime days (YY, MM, DD → slot), NaN until seen: a flat table, as a Map lookup per entry costs more than the parse. */
  private utcDays: Float64Array | null = null;
  /** GeneralizedTime days (rare before 2050) */
  private readonly days = new Map<number, number>();

  read(buf: Uint8Array, tag: number, start: number, end: number, path: string, offset: number): number {
    let p: number;
    let dayKey: number;
    let valid: boolean;
    if (tag === 0x17 && end - start === 13) {
      const yy = digits2(buf, start);
      const mm = digits2(buf, start + 2);
      const dd = digits2(buf, start + 4);
      valid = yy >= 0 && mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31;
      p = start + 6;
      if (valid) return this.readUtc(buf, start, end, path, offset, yy * 372 + (mm - 1) * 31 + (dd - 1), p);
      dayKey = -1;
    } else if (tag === 0x18 && end - start === 15) {
      const cc = digits2(buf, start);
      const yy = digits2(buf, start + 2);
      const mm = digits2(buf, start + 4);
      const dd = digits2(buf, start + 6);
      valid = cc >= 0 && yy >= 0 && mm >= 0 && dd >= 0;
      // Keys of GeneralizedTime days sit above every UTCTime key (at most 999999).
      dayKey = 1e8 + cc * 1e6 + yy * 10000 + mm * 100 + dd;
      p = start + 8;
    } else {
      return readTimeMs(buf, tag, start, end, path, offset);
    }
    const hour = digits2(buf, p);
    const minute = digits2(buf, p + 2);
    const second = digits2(buf, p + 4);
    const cached = this.days.get(dayKey);
    if (cached === undefined || !valid || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || buf[p + 6] !== 0x5a) {
      const ms = readTimeMs(buf, tag, start, end, path, offset);
      if (!valid) return ms;
      if (this.days.size > 100_000) this.days.clear();
      this.days.set(dayKey, ms - (hour * 3600 + minute * 60 + second) * 1000);
      return ms;
    }
    return cached + (hour * 3600 + minute * 60 + second) * 1000;
  }

  private readUtc(buf: Uint8Array, start: number, end: number, path: string, offset: number, slot: number, p: number): number {
    const table = this.utcDays ?? (this.utcDays = new Float64Array(100 * 372).fill(NaN));
    const hour = digits2(buf, p);
    const minute = digits2(buf, p + 2);
    const second = digits2(buf, p + 4);
    const dayMs = table[slot] as number;
    const clock = (hour * 3600 + minute * 60 + second) * 1000;
    if (dayMs !== dayMs || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || buf[p + 6] !== 0x5a) {
      // Not seen yet (NaN) or a clock field to reject: the full check decides, and throws with the offset.
      const ms = readTimeMs(buf, 0x17, start, end, path, offset);
      table[slot] = ms - clock;
      return ms;
    }
    return dayMs + clock;
  }
}

/** Two ASCII digits as a number, or -1 when either is not a digit. */
function digits2(buf: Uint8Array, i: number): number {
  const a = (buf[i] as number) - 48;
  const b = (buf[i + 1] as number) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}
