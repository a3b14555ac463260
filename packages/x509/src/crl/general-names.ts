import { DerError } from '../errors.js';
import { formatName, formatNameDer } from '../der/name.js';
import { decodeOid } from '../der/oid.js';
import { readChildren, readTlv, readBoolean, expectTag, TAG, type Tlv } from '../der/tlv.js';
import { concatBytes, tlv as encodeTlv } from '../der/writer.js';
import { CRL_REASONS } from '../oids.js';
import type { IssuingDistributionPoint } from './types.js';
import { copyBytes } from './copy-bytes.js';

const latin1 = new TextDecoder('latin1');

/**
 * ```asn1
 * GeneralName ::= CHOICE {
 *   otherName [0] OtherName, rfc822Name [1] IA5String, dNSName [2] IA5String, x400Address [3] ORAddress,
 *   directoryName [4] Name, ediPartyName [5] EDIPartyName, uniformResourceIdentifier [6] IA5String,
 *   iPAddress [7] OCTET STRING, registeredID [8] OBJECT IDENTIFIER }
 * ```
 * Rendered as OpenSSL prints them: `URI:…`, `DirName:<RFC 4514>`, `DNS:…`, `email:…`, `IP Address:…`, `Registered ID:…`.
 */
export function formatGeneralName(buf: Uint8Array, gn: Tlv, path: string, base: number): string {
  const text = (): string => latin1.decode(buf.subarray(gn.contentStart, gn.contentEnd));
  switch (gn.tag) {
    case 0x81:
      return `email:${text()}`;
    case 0x82:
      return `DNS:${text()}`;
    case 0x86:
      return `URI:${text()}`;
    case 0xa4: {
      // directoryName is EXPLICIT: Name is a CHOICE, and a tagged CHOICE is always explicitly tagged.
      const name = readTlv(buf, gn.contentStart, gn.contentEnd, `${path}.directoryName`, base);
      return `DirName:${formatName(buf, name, `${path}.directoryName`, base)}`;
    }
    case 0x87:
      return `IP Address:${formatIp(buf.subarray(gn.contentStart, gn.contentEnd))}`;
    case 0x88:
      return `Registered ID:${decodeOid(buf, gn.contentStart, gn.contentEnd, path, base)}`;
    case 0xa0:
      return 'othername:<unsupported>';
    case 0xa3:
      return 'X400Name:<unsupported>';
    case 0xa5:
      return 'EdiPartyName:<unsupported>';
    default:
      throw new DerError('DER_MALFORMED', `unknown GeneralName tag 0x${gn.tag.toString(16)}`, base + gn.start, path);
  }
}

function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16).toUpperCase());
    return groups.join(':');
  }
  return `<invalid ${Buffer.from(b).toString('hex')}>`;
}

/** GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName, given its content range (the tag may be implicit). */
export function formatGeneralNames(buf: Uint8Array, names: Tlv, path: string, base: number): string[] {
  return readChildren(buf, names, path, base).map((gn, i) => formatGeneralName(buf, gn, `${path}[${i}]`, base));
}

/**
 * Parses the issuingDistributionPoint extension value (see `IssuingDistributionPoint` in types.ts for the ASN.1).
 *
 * ```asn1
 * DistributionPointName ::= CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RelativeDistinguishedName }
 * ReasonFlags ::= BIT STRING { unused(0), keyCompromise(1), cACompromise(2), affiliationChanged(3), superseded(4),
 *   cessationOfOperation(5), certificateHold(6), privilegeWithdrawn(7), aACompromise(8) }
 * ```
 */
export function parseIssuingDistributionPoint(der: Uint8Array, path: string, base: number): IssuingDistributionPoint {
  const seq = expectTag(readTlv(der, 0, der.length, path, base), TAG.SEQUENCE, path, base);
  const idp: IssuingDistributionPoint = {
    fullName: null,
    nameRelativeToCRLIssuer: null,
    onlyContainsUserCerts: false,
    onlyContainsCACerts: false,
    onlySomeReasons: null,
    indirectCRL: false,
    onlyContainsAttributeCerts: false,
    der: copyBytes(der),
  };
  let last = -1;
  for (const field of readChildren(der, seq, path, base)) {
    const n = field.tag & 0x1f;
    if ((field.tag & 0xc0) !== 0x80 || n > 5 || n <= last) {
      throw new DerError('DER_MALFORMED', `unexpected field tag 0x${field.tag.toString(16)}`, base + field.start, path);
    }
    last = n;
    const boolean = (): boolean => readBoolean(der, { ...field, tag: TAG.BOOLEAN }, `${path}[${n}]`, base);
    switch (n) {
      case 0:
        readDistributionPointName(der, field, idp, `${path}.distributionPoint`, base);
        break;
      case 1:
        idp.onlyContainsUserCerts = boolean();
        break;
      case 2:
        idp.onlyContainsCACerts = boolean();
        break;
      case 3:
        idp.onlySomeReasons = reasonFlags(der, field, `${path}.onlySomeReasons`, base);
        break;
      case 4:
        idp.indirectCRL = boolean();
        break;
      case 5:
        idp.onlyContainsAttributeCerts = boolean();
        break;
    }
  }
  return idp;
}

function readDistributionPointName(der: Uint8Array, field: Tlv, idp: IssuingDistributionPoint, path: string, base: number): void {
  const choice = readTlv(der, field.contentStart, field.contentEnd, path, base);
  if (choice.contentEnd !== field.contentEnd) throw new DerError('DER_MALFORMED', 'extra data after DistributionPointName', base + choice.contentEnd, path);
  if (choice.tag === 0xa0) {
    idp.fullName = formatGeneralNames(der, choice, `${path}.fullName`, base);
  } else if (choice.tag === 0xa1) {
    // RelativeDistinguishedName [1] IMPLICIT SET: render it as a one-RDN Name.
    const rdn = encodeTlv(TAG.SET, der.subarray(choice.contentStart, choice.contentEnd));
    idp.nameRelativeToCRLIssuer = formatNameDer(encodeTlv(TAG.SEQUENCE, concatBytes([rdn])));
  } else {
    throw new DerError('DER_MALFORMED', `unexpected DistributionPointName tag 0x${choice.tag.toString(16)}`, base + choice.start, path);
  }
}

function reasonFlags(der: Uint8Array, field: Tlv, path: string, base: number): string[] {
  if (field.contentEnd - field.contentStart < 1) throw new DerError('DER_MALFORMED', 'empty BIT STRING', base + field.start, path);
  const unused = der[field.contentStart] as number;
  if (unused > 7) throw new DerError('DER_MALFORMED', 'BIT STRING with more than 7 unused bits', base + field.contentStart, path);
  const bits = (field.contentEnd - field.contentStart - 1) * 8 - unused;
  const out: string[] = [];
  for (let bit = 1; bit < bits && bit <= 8; bit++) {
    const byte = der[field.contentStart + 1 + (bit >> 3)] as number;
    if (byte & (0x80 >> (bit & 7))) {
      // ReasonFlags numbers bits like CRLReason codes, except that bit 7 is privilegeWithdrawn and bit 8 aACompromise.
      out.push(bit < 7 ? (CRL_REASONS[bit] as string) : bit === 7 ? 'privilegeWithdrawn' : 'aACompromise');
    }
  }
  return out;
}
