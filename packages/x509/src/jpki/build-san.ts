import { X509Error } from '../errors.js';
import { OID } from '../oids.js';
import { explicit, implicitConstructed, oid, sequence, utf8String, printableString } from '../der/writer.js';
import { formatJpkiBirthDate } from './birth-date.js';
import type { JpkiBasicDetailsData, JpkiGender } from './basic-details.js';

const GENDER_CODES: Readonly<Record<JpkiGender, string>> = { male: '1', female: '2', unknown: '3' };

/** `[0] IMPLICIT OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }` */
const otherName = (typeId: string, value: Uint8Array): Uint8Array => implicitConstructed(0, oid(typeId), explicit(0, value));

/** PrintableString where the text allows it (as J-LIS writes codes), UTF8String otherwise (a season in kanji, say) */
const text = (value: string): Uint8Array => (/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value) ? printableString(value) : utf8String(value));

/** A position string: one digit per character, 1 on the first when substituted (enough to say "substituted"). */
const positions = (text: string, substituted: boolean): string => {
  const n = Math.max([...text].length, 1);
  return substituted ? `1${'0'.repeat(n - 1)}` : '0'.repeat(n);
};

/**
 * The subjectAltName extnValue (GeneralNames DER) of a JPKI-like signature certificate: the six otherNames in the order J-LIS
 * writes them (name, birth date, gender, address, name and address substitute positions). Names and addresses are UTF8String,
 * codes PrintableString. For the simulator; `readJpkiBasicDetails` reads it back.
 */
export function buildJpkiSubjectAltName(details: JpkiBasicDetailsData): Uint8Array {
  if (details.name.length === 0 || details.address.length === 0)
    throw new X509Error('CERT_MALFORMED', 'JPKI name and address must not be empty');
  return sequence(
    otherName(OID.jpki_name, utf8String(details.name)),
    otherName(OID.jpki_birth_date, text(details.birthDateRaw ?? formatJpkiBirthDate(details.birthDate, details.birthDateEra))),
    otherName(OID.jpki_gender, text(details.genderRaw ?? GENDER_CODES[details.gender ?? 'unknown'])),
    otherName(OID.jpki_address, utf8String(details.address)),
    otherName(OID.jpki_name_substitute, printableString(positions(details.name, details.nameSubstituted))),
    otherName(OID.jpki_address_substitute, printableString(positions(details.address, details.addressSubstituted))),
  );
}
