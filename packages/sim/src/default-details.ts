import type { JpkiBasicDetailsData, JpkiEra } from '@jpki-validator/x509';

/** First day of each era, newest first: which era a Gregorian birth date falls in. */
const ERA_STARTS: readonly (readonly [JpkiEra, string])[] = [
  ['reiwa', '2019-05-01'],
  ['heisei', '1989-01-08'],
  ['showa', '1926-12-25'],
  ['taisho', '1912-07-30'],
  ['meiji', '1868-01-25'],
];

/** The era an ISO birth date falls in (`unknown` before Meiji). */
export function eraOf(isoDate: string): JpkiEra {
  return ERA_STARTS.find(([, start]) => isoDate >= start)?.[0] ?? 'unknown';
}

/** Deterministic, obviously fictional basic details for a serial (UTF-8 name and address, as in real cards). */
export function defaultDetails(serial: number): JpkiBasicDetailsData {
  const birthDate = `${1940 + (serial % 70)}-${String(1 + (serial % 12)).padStart(2, '0')}-${String(1 + (serial % 28)).padStart(2, '0')}`;
  return {
    name: `模擬 太郎 ${serial.toString(16).toUpperCase()}`,
    address: `東京都千代田区模擬町${serial % 1000}番地`,
    birthDate,
    birthDateEra: eraOf(birthDate),
    gender: serial % 2 === 0 ? 'male' : 'female',
    nameSubstituted: false,
    addressSubstituted: false,
  };
}
