import { DerError, X509Error } from '../errors.js';
import { OID } from '../oids.js';
import { readChildren, readSingle, expectTag, TAG, type Tlv } from '../der/tlv.js';
import { GENERAL_NAME_TAG, readOtherName } from '../der/general-name.js';
import type { ParsedCertificate } from '../cert/types.js';
import { parseJpkiBirthDate, type JpkiBirthDatePrecision, type JpkiEra, type JpkiSeason } from './birth-date.js';

export type JpkiGender = 'male' | 'female' | 'unknown';

/** The 4 basic details (基本4情報) as plain data: what `revealJpkiBasicDetails` returns and `buildJpkiSubjectAltName` takes. */
export interface JpkiBasicDetailsData {
  name: string;
  address: string;
  /** the known part as ISO text: `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (month unknown, or a season); null when wholly unknown */
  birthDate: string | null;
  birthDateEra: JpkiEra;
  /** how much `birthDate` says (always set when read from a certificate; derived from `birthDate` when building one) */
  birthDatePrecision?: JpkiBirthDatePrecision;
  /** with precision `season`: which one */
  birthDateSeason?: JpkiSeason | null;
  /**
   * The birth date text as the certificate holds it. Read: always set. Building: when given, written verbatim instead of
   * `birthDate` (for irregular register entries: a season, a month 00 with a day, a value out of range).
   */
  birthDateRaw?: string;
  /** null when the certificate's gender code is none of 1, 2, 3 (then `genderRaw` holds it) */
  gender: JpkiGender | null;
  /** the gender code as the certificate holds it (read: always set; building: written verbatim when given) */
  genderRaw?: string;
  /** the name holds substitute characters (代替文字) for characters outside JIS levels 1–2 */
  nameSubstituted: boolean;
  addressSubstituted: boolean;
}

export const JPKI_BASIC_DETAILS_REDACTED = '[JPKI basic details redacted]';

/**
 * The 4 basic details, wrapped so they cannot leak into logs by accident: JSON.stringify (and so pino), util.inspect (and so
 * console.log), String() and template literals all print `[JPKI basic details redacted]`, and spreading or Object.keys finds
 * nothing (the data sits in a private field). Code that means to read a field reads it by name (`details.name`); code that
 * means to print or serialise them (the CLI's `--show-personal`) calls `revealJpkiBasicDetails()` for a plain object.
 */
export class JpkiBasicDetails {
  readonly #data: Readonly<JpkiBasicDetailsData>;

  constructor(data: JpkiBasicDetailsData) {
    this.#data = Object.freeze({ ...data });
  }

  get name(): string {
    return this.#data.name;
  }
  get address(): string {
    return this.#data.address;
  }
  get birthDate(): string | null {
    return this.#data.birthDate;
  }
  get birthDateEra(): JpkiEra {
    return this.#data.birthDateEra;
  }
  get birthDatePrecision(): JpkiBirthDatePrecision | undefined {
    return this.#data.birthDatePrecision;
  }
  get gender(): JpkiGender | null {
    return this.#data.gender;
  }
  get nameSubstituted(): boolean {
    return this.#data.nameSubstituted;
  }
  get addressSubstituted(): boolean {
    return this.#data.addressSubstituted;
  }

  /** The plain object, for deliberate display only. */
  reveal(): JpkiBasicDetailsData {
    return { ...this.#data };
  }

  toJSON(): string {
    return JPKI_BASIC_DETAILS_REDACTED;
  }
  toString(): string {
    return JPKI_BASIC_DETAILS_REDACTED;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return JPKI_BASIC_DETAILS_REDACTED;
  }
}

/** The plain 4 basic details, for `cert inspect --show-personal`. Never pass the result to a logger. */
export function revealJpkiBasicDetails(details: JpkiBasicDetails): JpkiBasicDetailsData {
  return details.reveal();
}

/** The 4 basic details as they are shown: every field present, a value the certificate does not give as null. */
export type JpkiBasicDetailsView = Pick<JpkiBasicDetailsData, 'name' | 'address' | 'birthDate' | 'birthDateEra' | 'gender'> & {
  birthDatePrecision: JpkiBirthDatePrecision | null;
  birthDateSeason: JpkiSeason | null;
  birthDateRaw: string | null;
  genderRaw: string | null;
};

/** What `cert inspect --show-personal` and a verify report with personal details show. Never pass the result to a logger. */
export function viewJpkiBasicDetails(details: JpkiBasicDetails): JpkiBasicDetailsView {
  const d = details.reveal();
  return {
    name: d.name,
    address: d.address,
    birthDate: d.birthDate,
    birthDatePrecision: d.birthDatePrecision ?? null,
    birthDateSeason: d.birthDateSeason ?? null,
    birthDateRaw: d.birthDateRaw ?? null,
    birthDateEra: d.birthDateEra,
    gender: d.gender,
    genderRaw: d.genderRaw ?? null,
  };
}

const JPKI_OTHER_NAMES: ReadonlySet<string> = new Set([
  OID.jpki_name,
  OID.jpki_name_substitute,
  OID.jpki_gender,
  OID.jpki_birth_date,
  OID.jpki_address,
  OID.jpki_address_substitute,
]);

const GENDERS: Readonly<Record<string, JpkiGender>> = { '1': 'male', '2': 'female', '3': 'unknown' };

/**
 * Reads the 4 basic details from a JPKI signature certificate's subjectAltName otherName values (types 1.2.392.200149.8.5.5.1–.6,
 * each a UTF8String, PrintableString or IA5String inside `[0] EXPLICIT`). Returns null when the certificate carries none of them
 * (an authentication certificate, any non-JPKI certificate). What the values SAY never makes them unreadable: a birth date that is
 * not a date comes back with its precision and raw text (birth-date.ts), a gender code other than 1–3 as `gender: null` with its
 * raw text. Only a subjectAltName that cannot be decoded — bad DER, a field missing, a repeated type, a string that is not valid
 * in its type — throws X509Error CERT_MALFORMED, and callers then go without the details, not without the certificate. Messages
 * name the field, never its value.
 * The substitute-character fields are position strings (one digit per character, `0` = as written): any other digit means
 * a substitute character was used.
 */
export function readJpkiBasicDetails(cert: ParsedCertificate): JpkiBasicDetails | null {
  const san = cert.extensions.find((e) => e.oid === OID.id_ce_subjectAltName);
  if (!san) return null;
  let values: Map<string, string>;
  try {
    values = readJpkiOtherNames(san.value);
  } catch (e) {
    if (e instanceof DerError) throw new X509Error('CERT_MALFORMED', `malformed JPKI subjectAltName: ${e.message}`, { cause: e });
    throw e;
  }
  if (values.size === 0) return null;
  const required = (oid: string, field: string): string => {
    const v = values.get(oid);
    if (v === undefined) throw new X509Error('CERT_MALFORMED', `JPKI subjectAltName has no ${field} (otherName ${oid})`);
    return v;
  };
  const name = required(OID.jpki_name, 'name');
  const address = required(OID.jpki_address, 'address');
  const genderRaw = required(OID.jpki_gender, 'gender');
  const birth = parseJpkiBirthDate(required(OID.jpki_birth_date, 'birth date'));
  return new JpkiBasicDetails({
    name,
    address,
    ...birth,
    gender: GENDERS[genderRaw] ?? null,
    genderRaw,
    nameSubstituted: substituted(values.get(OID.jpki_name_substitute)),
    addressSubstituted: substituted(values.get(OID.jpki_address_substitute)),
  });
}

function substituted(positions: string | undefined): boolean {
  return positions !== undefined && /[^0]/.test(positions);
}

/** JPKI otherName type-id → decoded string; other GeneralNames are skipped. */
function readJpkiOtherNames(value: Uint8Array): Map<string, string> {
  const seq = expectTag(readSingle(value, 'subjectAltName'), TAG.SEQUENCE, 'subjectAltName');
  const out = new Map<string, string>();
  readChildren(value, seq, 'subjectAltName').forEach((gn, i) => {
    if (gn.tag !== GENERAL_NAME_TAG.otherName) return;
    const path = `subjectAltName[${i}].otherName`;
    const other = readOtherName(value, gn, path);
    if (!JPKI_OTHER_NAMES.has(other.typeId)) return;
    if (out.has(other.typeId)) throw new X509Error('CERT_MALFORMED', `JPKI subjectAltName repeats otherName ${other.typeId}`);
    out.set(other.typeId, decodeString(value, other.value, other.typeId));
  });
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeString(buf: Uint8Array, tlv: Tlv, typeId: string): string {
  const bytes = buf.subarray(tlv.contentStart, tlv.contentEnd);
  if (tlv.tag === TAG.UTF8_STRING) {
    try {
      return utf8.decode(bytes);
    } catch (e) {
      throw new X509Error('CERT_MALFORMED', `JPKI otherName ${typeId} is not valid UTF-8 at byte ${tlv.contentStart} of subjectAltName`, {
        cause: e,
      });
    }
  }
  if (tlv.tag === TAG.PRINTABLE_STRING || tlv.tag === TAG.IA5_STRING) {
    const bad = bytes.findIndex((b) => b > 0x7f);
    if (bad >= 0)
      throw new X509Error('CERT_MALFORMED', `JPKI otherName ${typeId} has a non-ASCII byte at ${tlv.contentStart + bad} of subjectAltName`);
    return Buffer.from(bytes).toString('latin1');
  }
  throw new X509Error(
    'CERT_MALFORMED',
    `JPKI otherName ${typeId} has string tag 0x${tlv.tag.toString(16)}; expected UTF8String, PrintableString or IA5String`,
  );
}
