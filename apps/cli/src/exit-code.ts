/**
 * The one place errors become exit codes (CONTRACT.md "Exit codes"):
 * 0 done · 1 a check failed (`--fail-on` matched, certificate not valid) · 2 bad usage or malformed input as a whole ·
 * 3 data unavailable (store down, nothing to answer from) · 70 an internal fault (a bug: please report it).
 */
export const EXIT = { OK: 0, CHECK_FAILED: 1, BAD_INPUT: 2, UNAVAILABLE: 3, INTERNAL: 70 } as const;

const BAD_INPUT_CODES = new Set([
  'USAGE',
  'INPUT_UNREADABLE',
  'DER_MALFORMED',
  'DER_TRUNCATED',
  'DER_TRAILING_DATA',
  'DER_TOO_DEEP',
  'INPUT_TOO_LARGE',
  'TIME_MALFORMED',
  'CRL_MALFORMED',
  'CERT_MALFORMED',
  'OCSP_MALFORMED',
  'SERIAL_MALFORMED',
  'UNSUPPORTED_ALGORITHM',
  'CONFIG_INVALID',
  'CSV_MALFORMED',
  'WATCH_ROW_INVALID',
  'WATCH_ISSUER_UNKNOWN',
  'WATCH_CUSTOMER_UNKNOWN',
  'WATCH_ROTATE_AMBIGUOUS',
  'ENOENT',
  'EISDIR',
  'EACCES',
]);

const UNAVAILABLE_CODES = new Set(['STORE_UNAVAILABLE', 'ECONNREFUSED', 'DATA_UNAVAILABLE', 'WATCH_NOTHING_LOADED']);

export function exitCodeFor(error: unknown): number {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  if (BAD_INPUT_CODES.has(code)) return EXIT.BAD_INPUT;
  if (UNAVAILABLE_CODES.has(code)) return EXIT.UNAVAILABLE;
  return EXIT.INTERNAL;
}
