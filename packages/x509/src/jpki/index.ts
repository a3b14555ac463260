export { jpkiKind, type JpkiKind, type JpkiKindOptions } from './kind.js';
export {
  JpkiBasicDetails,
  readJpkiBasicDetails,
  revealJpkiBasicDetails,
  viewJpkiBasicDetails,
  JPKI_BASIC_DETAILS_REDACTED,
  type JpkiBasicDetailsData,
  type JpkiBasicDetailsView,
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
