import { X509Error } from '../errors.js';

export type JpkiEra = 'meiji' | 'taisho' | 'showa' | 'heisei' | 'reiwa' | 'unknown';

/** The era digit E of `EYYYYMMDD`: 0 unknown, 1 Meiji, 2 Taisho, 3 Showa, 4 Heisei, 5 Reiwa. */
export const JPKI_ERAS: readonly JpkiEra[] = ['unknown', 'meiji', 'taisho', 'showa', 'heisei', 'reiwa'];

/** How much of a birth date the certificate says: a whole day, a month, a year, a season of a year, or nothing usable. */
export type JpkiBirthDatePrecision = 'day' | 'month' | 'year' | 'season' | 'unknown';

export type JpkiSeason = 'spring' | 'summer' | 'autumn' | 'winter';

export interface JpkiBirthDate {
  /**
   * The known part as ISO text: `YYYY-MM-DD` (precision day), `YYYY-MM` (month), `YYYY` (year and season); null when not even
   * the year is usable.
   */
  birthDate: string | null;
  birthDateEra: JpkiEra;
  birthDatePrecision: JpkiBirthDatePrecision;
  /** with precision `season`: which one; else null */
  birthDateSeason: JpkiSeason | null;
  /** the text exactly as the certificate holds it */
  birthDateRaw: string;
}

/**
 * Seasons as a register may write them in the month position: the kanji (春 / 春季 …) or the English word. Longest first, so
 * `春季` is taken whole before `春`.
 */
const SEASON_WORDS: readonly (readonly [string, JpkiSeason])[] = [
  ['autumn', 'autumn'],
  ['spring', 'spring'],
  ['summer', 'summer'],
  ['winter', 'winter'],
  ['fall', 'autumn'],
  ['春季', 'spring'],
  ['夏季', 'summer'],
  ['秋季', 'autumn'],
  ['冬季', 'winter'],
  ['春', 'spring'],
  ['夏', 'summer'],
  ['秋', 'autumn'],
  ['冬', 'winter'],
];

/**
 * Reads the JPKI birth date `EYYYYMMDD` (E the era the date falls in, YYYYMMDD the Gregorian date, zeros for unknown parts) and
 * NEVER throws: a register holds dates that are not dates — era 0, month or day 00, a season where the month goes, values out of
 * range — and a certificate carrying one is still a good certificate. Whatever is known is given with its precision; the text is
 * kept as it stands (`birthDateRaw`). The era digit is reported as given, not cross-checked against the date (J-LIS's register is
 * the authority on both). This function never logs or quotes the value: it is personal data.
 */
export function parseJpkiBirthDate(value: string): JpkiBirthDate {
  const era = /^[0-5]/.test(value) ? (JPKI_ERAS[Number(value[0])] ?? 'unknown') : 'unknown';
  const unknown: JpkiBirthDate = {
    birthDate: null,
    birthDateEra: era,
    birthDatePrecision: 'unknown',
    birthDateSeason: null,
    birthDateRaw: value,
  };
  const year = value.slice(1, 5);
  if (!/^[0-9]{4}$/.test(year) || year === '0000') return unknown;
  const rest = value.slice(5);
  const known = (birthDate: string, birthDatePrecision: JpkiBirthDatePrecision, birthDateSeason: JpkiSeason | null = null) => ({
    ...unknown,
    birthDate,
    birthDatePrecision,
    birthDateSeason,
  });
  const lower = rest.toLowerCase();
  const season = SEASON_WORDS.find(([word]) => lower.startsWith(word));
  if (season) return known(year, 'season', season[1]);
  const month = rest.slice(0, 2);
  if (!/^[0-9]{2}$/.test(month) || Number(month) < 1 || Number(month) > 12) return known(year, 'year');
  const day = rest.slice(2, 4);
  if (!/^[0-9]{2}$/.test(day) || !isDayOf(Number(year), Number(month), Number(day))) return known(`${year}-${month}`, 'month');
  return known(`${year}-${month}-${day}`, 'day');
}

/** whether `day` exists in that month: Date.UTC rolls 31 February into March, a real date survives the round trip */
function isDayOf(year: number, month: number, day: number): boolean {
  if (day < 1) return false;
  // setUTCFullYear keeps years below 100 literal
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/**
 * The inverse of parseJpkiBirthDate for well-formed dates, for building JPKI-like certificates: `YYYY-MM-DD`, `YYYY-MM` or
 * `YYYY` (zeros for the unknown parts) or null (wholly unknown). Irregular texts (seasons, values out of range) are written as
 * given through `birthDateRaw` instead (build-san.ts).
 */
export function formatJpkiBirthDate(birthDate: string | null, era: JpkiEra): string {
  const e = JPKI_ERAS.indexOf(era);
  if (e < 0) throw new X509Error('CERT_MALFORMED', `unknown era ${String(era)}`);
  if (birthDate === null) return `${e}00000000`;
  const m = /^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$/.exec(birthDate);
  if (!m) throw new X509Error('CERT_MALFORMED', 'birthDate must be YYYY, YYYY-MM or YYYY-MM-DD');
  const encoded = `${e}${m[1] ?? ''}${m[2] ?? '00'}${m[3] ?? '00'}`;
  const back = parseJpkiBirthDate(encoded);
  if (back.birthDate !== birthDate) throw new X509Error('CERT_MALFORMED', 'birthDate is not a date (give irregular texts as birthDateRaw)');
  return encoded;
}
