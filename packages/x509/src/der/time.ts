import { DerError } from '../errors.js';
import { TAG } from './tlv.js';

const d2 = (buf: Uint8Array, i: number): number => {
  const a = (buf[i] as number) - 48;
  const b = (buf[i + 1] as number) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/**
 * Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }, as RFC 5280 §4.1.2.5 profiles it:
 * `YYMMDDHHMMSSZ` (YY ≥ 50 → 19YY) or `YYYYMMDDHHMMSSZ`, seconds present, Zulu, no fraction.
 * Returns ms since the epoch. `offset` (absolute, for errors) is of the element's tag.
 */
export function readTimeMs(buf: Uint8Array, tag: number, start: number, end: number, path: string, offset: number): number {
  readTimeMsInto(TIME_OUT, buf, tag, start, end, path, offset);
  return TIME_OUT[0] as number;
}

const TIME_OUT = new Float64Array(1);

/**
 * readTimeMs writing its result into `out[0]`: for loops that read a time per item (the CRL scan, once per entry). Ms do not fit
 * a small integer, so a returned one is boxed on the heap unless the call is inlined — and the entry loop is too large for this
 * to be inlined into it: returning it cost a 16-byte box per entry, a scavenge every ~100,000 entries. A Float64Array slot is
 * written in place. Any input the quick checks do not accept goes to timeFailure, which names the fault.
 */
export function readTimeMsInto(
  out: Float64Array,
  buf: Uint8Array,
  tag: number,
  start: number,
  end: number,
  path: string,
  offset: number,
): void {
  const len = end - start;
  let year = -1;
  let p = start;
  if (tag === TAG.UTC_TIME && len === 13) {
    const yy = d2(buf, start);
    if (yy >= 0) year = yy >= 50 ? 1900 + yy : 2000 + yy;
    p = start + 2;
  } else if (tag === TAG.GENERALIZED_TIME && len === 15) {
    const hi = d2(buf, start);
    const lo = d2(buf, start + 2);
    if (hi >= 0 && lo >= 0) year = hi * 100 + lo;
    p = start + 4;
  }
  const month = year < 0 ? -1 : d2(buf, p);
  const day = d2(buf, p + 2);
  const hour = d2(buf, p + 4);
  const minute = d2(buf, p + 6);
  const second = d2(buf, p + 8);
  if (
    month < 1 ||
    month > 12 ||
    buf[p + 10] !== 0x5a ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    (day > 28 && day > daysInMonth(year, month))
  ) {
    out[0] = timeFailure(buf, tag, start, end, path, offset);
    return;
  }
  out[0] = (epochDays(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second) * 1000;
}

/** readTimeMs field by field, for input it did not accept: throws the DerError that names what is wrong */
function timeFailure(buf: Uint8Array, tag: number, start: number, end: number, path: string, offset: number): number {
  const len = end - start;
  let year: number;
  let p: number;
  if (tag === TAG.UTC_TIME) {
    if (len !== 13) throw new DerError('TIME_MALFORMED', `UTCTime must be YYMMDDHHMMSSZ (13 chars), found ${len}`, offset, path);
    const yy = d2(buf, start);
    if (yy < 0) throw new DerError('TIME_MALFORMED', 'UTCTime year is not digits', offset, path);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    p = start + 2;
  } else if (tag === TAG.GENERALIZED_TIME) {
    if (len !== 15) throw new DerError('TIME_MALFORMED', `GeneralizedTime must be YYYYMMDDHHMMSSZ (15 chars), found ${len}`, offset, path);
    const hi = d2(buf, start);
    const lo = d2(buf, start + 2);
    if (hi < 0 || lo < 0) throw new DerError('TIME_MALFORMED', 'GeneralizedTime year is not digits', offset, path);
    year = hi * 100 + lo;
    p = start + 4;
  } else {
    throw new DerError('DER_MALFORMED', `expected UTCTime or GeneralizedTime, found tag 0x${tag.toString(16)}`, offset, path);
  }
  const month = d2(buf, p);
  const day = d2(buf, p + 2);
  const hour = d2(buf, p + 4);
  const minute = d2(buf, p + 6);
  const second = d2(buf, p + 8);
  if (buf[p + 10] !== 0x5a) throw new DerError('TIME_MALFORMED', 'time must end in Z', offset, path);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    throw new DerError('TIME_MALFORMED', 'time field out of range', offset, path);
  }
  if (day > 28 && day > daysInMonth(year, month)) throw new DerError('TIME_MALFORMED', 'no such day in that month', offset, path);
  return (daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second) * 1000;
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** the years of the month table: UTCTime's 1950–2049 and fifty more */
const TABLE_FIRST_YEAR = 1950;
const TABLE_MONTHS = 150 * 12;
/** days since 1970-01-01 of the first of each month of the table's years */
const MONTH_START_DAYS = new Int32Array(TABLE_MONTHS);
for (let i = 0; i < TABLE_MONTHS; i++) MONTH_START_DAYS[i] = daysFromCivil(TABLE_FIRST_YEAR + Math.floor(i / 12), (i % 12) + 1, 1);

/**
 * daysFromCivil by a table lookup for the years a CRL's dates fall in: the CRL scan reads a date per entry, and the divisions of
 * the general formula were a tenth of the entry loop's time.
 */
function epochDays(year: number, month: number, day: number): number {
  const i = (year - TABLE_FIRST_YEAR) * 12 + month - 1;
  return i >= 0 && i < TABLE_MONTHS ? (MONTH_START_DAYS[i] as number) + day - 1 : daysFromCivil(year, month, day);
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): integer arithmetic only, because a Date per
 * call would dominate a scan of millions of revocation dates.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  // Operands are small non-negative integers, so `| 0` truncation is floor division (y is -1 only for January 0000).
  const y = month <= 2 ? year - 1 : year;
  const era = y >= 0 ? (y / 400) | 0 : Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = (((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) | 0) + day - 1;
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy;
  return era * 146_097 + doe - 719_468;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
/** `YYYY-MM-DD` by days since the epoch: answers and reports repeat dates, and a batch formats tens of thousands a second */
const dateCache = new Map<number, string>();
const DATE_CACHE_LIMIT = 8192;
/** 9999-12-31T23:59:59.999Z + 1 ms: from here on toISOString writes a six-digit year */
const FOUR_DIGIT_YEARS_END_MS = 253_402_300_800_000;

/**
 * RFC 3339 UTC with Z and no fractional seconds: the contract's time format. What `toISOString()` gives with the milliseconds
 * cut off, by integer arithmetic for 1970 … 9999 (a Date, its ISO string and a regex replace per call cost a 10 000-item batch
 * more than answering it); other instants, and invalid ones (RangeError), through Date.
 */
export function formatTime(ms: number | Date): string {
  const t = typeof ms === 'number' ? ms : ms.getTime();
  if (!(t >= 0 && t < FOUR_DIGIT_YEARS_END_MS)) return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const seconds = Math.floor(t / 1000);
  const days = Math.floor(seconds / 86_400);
  const ofDay = seconds - days * 86_400;
  let date = dateCache.get(days);
  if (date === undefined) {
    if (dateCache.size >= DATE_CACHE_LIMIT) dateCache.clear();
    date = civilDate(days);
    dateCache.set(days, date);
  }
  const hour = (ofDay / 3600) | 0;
  const minute = ((ofDay - hour * 3600) / 60) | 0;
  return `${date}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[ofDay % 60]}Z`;
}

/** `YYYY-MM-DD` as bytes, by days since the epoch, for writeTime */
const dateBytesCache = new Map<number, Uint8Array>();

function dateBytes(days: number): Uint8Array {
  let date = dateBytesCache.get(days);
  if (date === undefined) {
    if (dateBytesCache.size >= DATE_CACHE_LIMIT) dateBytesCache.clear();
    const text = civilDate(days);
    date = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) date[i] = text.charCodeAt(i);
    dateBytesCache.set(days, date);
  }
  return date;
}

/** the most bytes writeTime writes (`+275760-09-13T00:00:00Z`, the last instant a Date holds, with room to spare) */
export const MAX_TIME_BYTES = 27;

/**
 * Writes formatTime(ms) as ASCII into `out` at `at` (room for MAX_TIME_BYTES needed) and returns the position after it: the
 * byte-level twin of formatTime, for writers of millions of rows or answers that would otherwise build a string per time and
 * copy it into their output. The one place times are written as bytes.
 */
export function writeTime(ms: number, out: Uint8Array, at: number): number {
  let o = at;
  if (!(ms >= 0 && ms < FOUR_DIGIT_YEARS_END_MS)) {
    const text = formatTime(ms);
    for (let i = 0; i < text.length; i++) out[o++] = text.charCodeAt(i);
    return o;
  }
  const days = Math.floor(ms / 86_400_000);
  const date = dateBytes(days);
  for (let i = 0; i < date.length; i++) out[o++] = date[i] as number;
  let ofDay = Math.floor((ms - days * 86_400_000) / 1000);
  const hour = (ofDay / 3600) | 0;
  ofDay -= hour * 3600;
  const minute = (ofDay / 60) | 0;
  const second = ofDay - minute * 60;
  out[o++] = 0x54; // T
  out[o++] = 0x30 + ((hour / 10) | 0);
  out[o++] = 0x30 + (hour % 10);
  out[o++] = 0x3a; // :
  out[o++] = 0x30 + ((minute / 10) | 0);
  out[o++] = 0x30 + (minute % 10);
  out[o++] = 0x3a;
  out[o++] = 0x30 + ((second / 10) | 0);
  out[o++] = 0x30 + (second % 10);
  out[o++] = 0x5a; // Z
  return o;
}

/** `YYYY-MM-DD` of a day count since 1970-01-01, 0 ≤ days (H. Hinnant's civil_from_days) */
function civilDate(days: number): string {
  const z = days + 719_468;
  const era = (z / 146_097) | 0;
  const doe = z - era * 146_097;
  const yoe = ((doe - ((doe / 1460) | 0) + ((doe / 36_524) | 0) - ((doe / 146_096) | 0)) / 365) | 0;
  const doy = doe - (365 * yoe + ((yoe / 4) | 0) - ((yoe / 100) | 0));
  const mp = ((5 * doy + 2) / 153) | 0;
  const day = doy - (((153 * mp + 2) / 5) | 0) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}
