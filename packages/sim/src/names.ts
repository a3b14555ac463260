import { createHash, type KeyObject } from 'node:crypto';
import { TAG, readChildren, readSingle, sequence, set, oid, printableString, utf8String } from '@jpki-validator/x509';

/** Attribute types used in simulator names. */
const ATTRIBUTE_OIDS = { C: '2.5.4.6', O: '2.5.4.10', OU: '2.5.4.11', L: '2.5.4.7', CN: '2.5.4.3' } as const;
export type AttributeType = keyof typeof ATTRIBUTE_OIDS;

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * Name ::= SEQUENCE OF RelativeDistinguishedName (one attribute per RDN, in the order given). PrintableString where the
 * value allows it (as J-LIS encodes its names), UTF8String otherwise.
 */
export function encodeName(rdns: readonly (readonly [AttributeType, string])[]): Uint8Array {
  return sequence(
    ...rdns.map(([type, value]) =>
      set(sequence(oid(ATTRIBUTE_OIDS[type]), PRINTABLE.test(value) ? printableString(value) : utf8String(value))),
    ),
  );
}

/** SubjectPublicKeyInfo DER of a key. */
export function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

/** The subjectPublicKey BIT STRING's key bytes (after the unused-bits octet). */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const [, bits] = readChildren(spki, readSingle(spki, 'subjectPublicKeyInfo'), 'subjectPublicKeyInfo');
  if (!bits || bits.tag !== TAG.BIT_STRING) throw new RangeError('subjectPublicKeyInfo without a subjectPublicKey BIT STRING');
  return spki.subarray(bits.contentStart + 1, bits.contentEnd);
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. Also the OCSP issuerKeyHash / ResponderID byKey. */
export function keyIdentifierOf(spki: Uint8Array, hash = 'sha1'): Uint8Array {
  return new Uint8Array(createHash(hash).update(subjectPublicKeyBits(spki)).digest());
}
