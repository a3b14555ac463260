export { jpkiKind, type JpkiKind, type JpkiKindOptions } from './kind.js';
export {
  JpkiBasicDetails,
  readJpkiBasicDetails,
  revealJpkiBasicDetails,
  JPKI_BASIC_DETAILS_REDACTED,
  type JpkiBasicDetailsData,
  type JpkiGender,
} from './basic-details.js';
export {
  parseJpkiBirthDate,
  formatJpkiBirthDate,
  JPKI_ERAS,
  type JpkiEra,
  type JpkiBirthDate,
  type JpkiBirthDatePrecision,
  type JpkiSeason,
} from './birth-date.js';
export { buildJpkiSubjectAltName } from './build-san.js';
