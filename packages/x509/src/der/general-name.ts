import { DerError } from '../errors.js';
import { REASON_FLAG_NAMES, type CrlReason } from '../reasons.js';
import { decodeOid } from './oid.js';
import { formatName, formatNameDer } from './name.js';
import { readChildren, readTlv, expectTag, TAG, type Tlv } from './tlv.js';
import { concatBytes, encodeLength } from './writer.js';

/**
 * ```asn1
 * GeneralName ::= CHOICE {
 *   otherName                 [0] OtherName,
 *   rfc822Name                [1] IA5String,
 *   dNSName                   [2] IA5String,
 *   x400Address               [3] ORAddress,
 *   directoryName             [4] Name,
 *   ediPartyName              [5] EDIPartyName,
 *   uniformResourceIdentifier [6] IA5String,
 *   iPAddress                 [7] OCTET STRING,
 *   registeredID              [8] OBJECT IDENTIFIER }
 * OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY DEFINED BY type-id }
 * ```
 * (IMPLICIT TAGS, except directoryName, which is EXPLICIT because Name is a CHOICE.)
 */
export const GENERAL_NAME_TAG = {
  otherName: 0xa0,
  rfc822Name: 0x81,
  dNSName: 0x82,
  x400Address: 0xa3,
  directoryName: 0xa4,
  ediPartyName: 0xa5,
  uniformResourceIdentifier: 0x86,
  iPAddress: 0x87,
  registeredID: 0x88,
} as const;

const ascii = new TextDecoder('latin1');

/** An otherName's type-id and the element inside its `[0] EXPLICIT` value. */
export interface OtherName {
  typeId: string;
  value: Tlv;
}

export function readOtherName(buf: Uint8Array, gn: Tlv, path: string, base = 0): OtherName {
  const [typeId, wrapper] = readChildren(buf, gn, path, base);
  if (!typeId || !wrapper) throw new DerError('DER_MALFORMED', 'otherName needs type-id and value', base + gn.start, path);
  expectTag(typeId, TAG.OID, `${path}.type-id`, base);
  expectTag(wrapper, 0xa0, `${path}.value`, base);
  const value = readTlv(buf, wrapper.contentStart, wrapper.contentEnd, `${path}.value`, base);
  if (value.contentEnd !== wrapper.contentEnd)
    throw new DerError('DER_TRAILING_DATA', 'bytes after otherName value', base + value.contentEnd, `${path}.value`);
  return { typeId: decodeOid(buf, typeId.contentStart, typeId.contentEnd, `${path}.type-id`, base), value };
}

/** Renders one GeneralName the way `openssl x509 -text` does, with RFC 4514 text for directory names. */
export function formatGeneralName(buf: Uint8Array, gn: Tlv, path: string, base = 0): string {
  const content = buf.subarray(gn.contentStart, gn.contentEnd);
  switch (gn.tag) {
    case GENERAL_NAME_TAG.rfc822Name:
      return `email:${ascii.decode(content)}`;
    case GENERAL_NAME_TAG.dNSName:
      return `DNS:${ascii.decode(content)}`;
    case GENERAL_NAME_TAG.uniformResourceIdentifier:
      return `URI:${ascii.decode(content)}`;
    case GENERAL_NAME_TAG.directoryName: {
      const name = readTlv(buf, gn.contentStart, gn.contentEnd, `${path}.directoryName`, base);
      return `DirName:${formatName(buf, name, `${path}.directoryName`, base)}`;
    }
    case GENERAL_NAME_TAG.iPAddress:
      return `IP Address:${formatIp(content)}`;
    case GENERAL_NAME_TAG.registeredID:
      return `Registered ID:${decodeOid(buf, gn.contentStart, gn.contentEnd, `${path}.registeredID`, base)}`;
    case GENERAL_NAME_TAG.otherName:
      // Never the value: JPKI signature certificates carry name, address and birth date there.
      return `othername:${readOtherName(buf, gn, `${path}.otherName`, base).typeId}`;
    case GENERAL_NAME_TAG.x400Address:
      return 'X400Name:<unsupported>';
    case GENERAL_NAME_TAG.ediPartyName:
      return 'EdiPartyName:<unsupported>';
    default:
      throw new DerError('DER_MALFORMED', `unknown GeneralName tag 0x${gn.tag.toString(16)}`, base + gn.start, path);
  }
}

/** `GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName`, given the (possibly implicitly re-tagged) SEQUENCE element. */
export function formatGeneralNames(buf: Uint8Array, names: Tlv, path: string, base = 0): string[] {
  return readChildren(buf, names, path, base).map((gn, i) => formatGeneralName(buf, gn, `${path}[${i}]`, base));
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16).toUpperCase());
    return groups.join(':');
  }
  return `#${Buffer.from(bytes).toString('hex')}`;
}

/**
 * A `[1] IMPLICIT RelativeDistinguishedName` (DistributionPointName's nameRelativeToCRLIssuer) as RFC 4514 text:
 * re-tagged as a SET inside a one-RDN Name and formatted as that.
 */
export function formatRelativeName(buf: Uint8Array, rdn: Tlv): string {
  const content = buf.subarray(rdn.contentStart, rdn.contentEnd);
  const set = concatBytes([Uint8Array.of(TAG.SET), encodeLength(content.length), content]);
  return formatNameDer(concatBytes([Uint8Array.of(TAG.SEQUENCE), encodeLength(set.length), set]));
}

/**
 * ```asn1
 * ReasonFlags ::= BIT STRING { unused(0), keyCompromise(1), cACompromise(2), affiliationChanged(3), superseded(4),
 *   cessationOfOperation(5), certificateHold(6), privilegeWithdrawn(7), aACompromise(8) }
 * ```
 * Bit 0 is the most significant bit of the first content octet after the unused-bits octet.
 */
export function readReasonFlags(buf: Uint8Array, tlv: Tlv, path: string, base = 0): CrlReason[] {
  if (tlv.contentEnd <= tlv.contentStart) throw new DerError('DER_MALFORMED', 'empty BIT STRING', base + tlv.start, path);
  const unused = buf[tlv.contentStart] as number;
  if (unused > 7) throw new DerError('DER_MALFORMED', `BIT STRING with ${unused} unused bits`, base + tlv.contentStart, path);
  const bits = buf.subarray(tlv.contentStart + 1, tlv.contentEnd);
  const out: CrlReason[] = [];
  REASON_FLAG_NAMES.forEach((name, bit) => {
    if (name && (((bits[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) === 1) out.push(name);
  });
  return out;
}
