import { X509Error } from '../errors.js';

export type JpkiEra = 'meiji' | 'taisho' | 'showa' | 'heisei' | 'reiwa' | 'unknown';

/** The era digit E of `EYYYYMMDD`: 0 unknown, 1 Meiji, 2 Taisho, 3 Showa, 4 Heisei, 5 Reiwa. */
export const JPKI_ERAS: readonly JpkiEra[] = ['unknown', 'meiji', 'taisho', 'showa', 'heisei', 'reiwa'];

export interface JpkiBirthDate {
  /** ISO `YYYY-MM-DD`, `YYYY-MM` (day unknown), `YYYY` (month unknown), or null when the year is unknown */
  birthDate: string | null;
  birthDateEra: JpkiEra;
}

/**
 * Reads the JPKI birth date `EYYYYMMDD`: E the era the date falls in, YYYYMMDD the Gregorian date, zeros for unknown parts.
 * The era digit is reported as given, not cross-checked against the date (J-LIS's register is the authority on both).
 * Errors never quote the value: it is personal data.
 */
export function parseJpkiBirthDate(value: string): JpkiBirthDate {
  if (!/^[0-9]{9}$/.test(value)) throw malformed('must be 9 digits (EYYYYMMDD)');
  const era = JPKI_ERAS[Number(value[0])];
  if (!era) throw malformed(`era digit ${value[0]} is not 0–5`);
  const year = value.slice(1, 5);
  const month = value.slice(5, 7);
  const day = value.slice(7, 9);
  if (year === '0000') {
    if (month !== '00' || day !== '00') throw malformed('month or day given without a year');
    return { birthDate: null, birthDateEra: era };
  }
  if (month === '00') {
    if (day !== '00') throw malformed('day given without a month');
    return { birthDate: year, birthDateEra: era };
  }
  const m = Number(month);
  if (m > 12) throw malformed('month out of range');
  if (day === '00') return { birthDate: `${year}-${month}`, birthDateEra: era };
  const d = Number(day);
  // Date.UTC rolls 31 February into March; a real date survives the round trip. setUTCFullYear keeps years below 100 literal.
  const probe = new Date(0);
  probe.setUTCFullYear(Number(year), m - 1, d);
  if (probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) throw malformed('no such day in that month');
  return { birthDate: `${year}-${month}-${day}`, birthDateEra: era };
}

/** The inverse of parseJpkiBirthDate, for building JPKI-like certificates. */
export function formatJpkiBirthDate(birthDate: string | null, era: JpkiEra): string {
  const e = JPKI_ERAS.indexOf(era);
  if (e < 0) throw new X509Error('CERT_MALFORMED', `unknown era ${String(era)}`);
  if (birthDate === null) return `${e}00000000`;
  const m = /^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$/.exec(birthDate);
  if (!m) throw new X509Error('CERT_MALFORMED', 'birthDate must be YYYY, YYYY-MM or YYYY-MM-DD');
  const encoded = `${e}${m[1] ?? ''}${m[2] ?? '00'}${m[3] ?? '00'}`;
  parseJpkiBirthDate(encoded); // the same checks both ways
  return encoded;
}

function malformed(why: string): X509Error {
  return new X509Error('CERT_MALFORMED', `malformed JPKI birth date: ${why}`);
}
