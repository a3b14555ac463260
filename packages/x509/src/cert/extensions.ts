import { DerError, X509Error } from '../errors.js';
import { OID } from '../oids.js';
import { decodeOid } from '../der/oid.js';
import { readChildren, readSingle, readBoolean, readSmallInteger, expectTag, TAG, type Tlv } from '../der/tlv.js';
import { formatGeneralName, formatGeneralNames, formatRelativeName, GENERAL_NAME_TAG, readReasonFlags } from '../der/general-name.js';
import type { BasicConstraints, CertificateExtension, DistributionPoint, KeyUsage, ParsedCertificate } from './types.js';

/** Extensions this module parses. A path validator may treat others as unrecognised (RFC 5280 §4.2: reject if critical). */
export const KNOWN_CERTIFICATE_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.id_ce_subjectKeyIdentifier,
  OID.id_ce_authorityKeyIdentifier,
  OID.id_ce_keyUsage,
  OID.id_ce_basicConstraints,
  OID.id_ce_extKeyUsage,
  OID.id_ce_certificatePolicies,
  OID.id_ce_cRLDistributionPoints,
  OID.id_ce_subjectAltName,
  OID.id_pe_authorityInfoAccess,
]);

/** The fields of ParsedCertificate that come from extensions. */
export type ExtensionFields = Pick<
  ParsedCertificate,
  | 'subjectKeyIdentifier'
  | 'authorityKeyIdentifier'
  | 'keyUsage'
  | 'basicConstraints'
  | 'extKeyUsage'
  | 'certificatePolicies'
  | 'cRLDistributionPoints'
  | 'subjectAltName'
  | 'subjectAltNameError'
  | 'ocspUrls'
  | 'caIssuers'
>;

/**
 * Reads every known extension. Each value is parsed on its own buffer, so a fault is reported as X509Error CERT_MALFORMED naming
 * the extension, with the byte offset within its extnValue.
 */
export function readExtensionFields(extensions: readonly CertificateExtension[]): ExtensionFields {
  const out: ExtensionFields = {
    subjectKeyIdentifier: null,
    authorityKeyIdentifier: null,
    keyUsage: null,
    basicConstraints: null,
    extKeyUsage: null,
    certificatePolicies: null,
    cRLDistributionPoints: null,
    subjectAltName: null,
    subjectAltNameError: null,
    ocspUrls: [],
    caIssuers: [],
  };
  for (const { oid, value, critical } of extensions) {
    try {
      readExtension(oid, value, out);
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
      // A non-critical subjectAltName that cannot be decoded costs its names (for JPKI: the 4 basic details), not the
      // certificate: its signature, validity and revocation can still be judged. A critical one still fails (RFC 5280 §4.2).
      if (oid === OID.id_ce_subjectAltName && !critical) {
        out.subjectAltName = null;
        out.subjectAltNameError = `${e.message} within extnValue`;
        continue;
      }
      throw new X509Error('CERT_MALFORMED', `malformed certificate: extension ${oid}: ${e.message} within extnValue`, { cause: e });
    }
  }
  return out;
}

function readExtension(oid: string, value: Uint8Array, out: ExtensionFields): void {
  switch (oid) {
    case OID.id_ce_subjectKeyIdentifier:
      out.subjectKeyIdentifier = readOctets(value, readSingle(value, 'subjectKeyIdentifier'), 'subjectKeyIdentifier');
      break;
    case OID.id_ce_authorityKeyIdentifier:
      out.authorityKeyIdentifier = readAuthorityKeyIdentifier(value);
      break;
    case OID.id_ce_keyUsage:
      out.keyUsage = readKeyUsage(value);
      break;
    case OID.id_ce_basicConstraints:
      out.basicConstraints = readBasicConstraints(value);
      break;
    case OID.id_ce_extKeyUsage:
      out.extKeyUsage = readOidSequence(value, 'extKeyUsage');
      break;
    case OID.id_ce_certificatePolicies:
      out.certificatePolicies = readPolicies(value);
      break;
    case OID.id_ce_cRLDistributionPoints:
      out.cRLDistributionPoints = readDistributionPoints(value);
      break;
    case OID.id_ce_subjectAltName: {
      const seq = expectTag(readSingle(value, 'subjectAltName'), TAG.SEQUENCE, 'subjectAltName');
      out.subjectAltName = formatGeneralNames(value, seq, 'subjectAltName');
      break;
    }
    case OID.id_pe_authorityInfoAccess:
      readAuthorityInfoAccess(value, out);
      break;
    default:
      break;
  }
}

function readOctets(buf: Uint8Array, tlv: Tlv, path: string): Uint8Array {
  expectTag(tlv, TAG.OCTET_STRING, path);
  return buf.slice(tlv.contentStart, tlv.contentEnd);
}

/**
 * ```asn1
 * AuthorityKeyIdentifier ::= SEQUENCE {
 *   keyIdentifier             [0] KeyIdentifier OPTIONAL,
 *   authorityCertIssuer       [1] GeneralNames OPTIONAL,
 *   authorityCertSerialNumber [2] CertificateSerialNumber OPTIONAL }
 * ```
 */
function readAuthorityKeyIdentifier(value: Uint8Array): Uint8Array | null {
  const seq = expectTag(readSingle(value, 'authorityKeyIdentifier'), TAG.SEQUENCE, 'authorityKeyIdentifier');
  const keyId = readChildren(value, seq, 'authorityKeyIdentifier').find((f) => f.tag === 0x80);
  return keyId ? value.slice(keyId.contentStart, keyId.contentEnd) : null;
}

const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

/** Named bits of a BIT STRING: bit 0 is the most significant bit of the first content octet after the unused-bits octet. */
function readNamedBits(buf: Uint8Array, tlv: Tlv, path: string): (bit: number) => boolean {
  if (tlv.contentEnd <= tlv.contentStart) throw new DerError('DER_MALFORMED', 'empty BIT STRING', tlv.start, path);
  const unused = buf[tlv.contentStart] as number;
  if (unused > 7) throw new DerError('DER_MALFORMED', `BIT STRING with ${unused} unused bits`, tlv.contentStart, path);
  const bits = buf.subarray(tlv.contentStart + 1, tlv.contentEnd);
  return (bit) => (((bits[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) === 1;
}

function readKeyUsage(value: Uint8Array): KeyUsage {
  const tlv = expectTag(readSingle(value, 'keyUsage'), TAG.BIT_STRING, 'keyUsage');
  const has = readNamedBits(value, tlv, 'keyUsage');
  const ku = {} as Record<(typeof KEY_USAGE_BITS)[number], boolean>;
  KEY_USAGE_BITS.forEach((name, bit) => {
    ku[name] = has(bit);
  });
  return ku;
}

function readBasicConstraints(value: Uint8Array): BasicConstraints {
  const seq = expectTag(readSingle(value, 'basicConstraints'), TAG.SEQUENCE, 'basicConstraints');
  let cA = false;
  let pathLenConstraint: number | null = null;
  for (const field of readChildren(value, seq, 'basicConstraints')) {
    if (field.tag === TAG.BOOLEAN) cA = readBoolean(value, field, 'basicConstraints.cA');
    else if (field.tag === TAG.INTEGER) pathLenConstraint = readSmallInteger(value, field, 'basicConstraints.pathLenConstraint');
    else throw new DerError('DER_MALFORMED', `unexpected tag 0x${field.tag.toString(16)}`, field.start, 'basicConstraints');
  }
  return { cA, pathLenConstraint };
}

function readOidSequence(value: Uint8Array, path: string): string[] {
  const seq = expectTag(readSingle(value, path), TAG.SEQUENCE, path);
  return readChildren(value, seq, path).map((o, i) =>
    decodeOid(value, expectTag(o, TAG.OID, `${path}[${i}]`).contentStart, o.contentEnd, `${path}[${i}]`),
  );
}

/** `certificatePolicies ::= SEQUENCE OF PolicyInformation { policyIdentifier CertPolicyId, policyQualifiers … OPTIONAL }` */
function readPolicies(value: Uint8Array): string[] {
  const seq = expectTag(readSingle(value, 'certificatePolicies'), TAG.SEQUENCE, 'certificatePolicies');
  return readChildren(value, seq, 'certificatePolicies').map((info, i) => {
    const path = `certificatePolicies[${i}]`;
    const [id] = readChildren(value, expectTag(info, TAG.SEQUENCE, path), path);
    if (!id) throw new DerError('DER_MALFORMED', 'PolicyInformation without policyIdentifier', info.start, path);
    return decodeOid(value, expectTag(id, TAG.OID, `${path}.policyIdentifier`).contentStart, id.contentEnd, `${path}.policyIdentifier`);
  });
}

/** `CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint` (see DistributionPoint in types.ts). */
function readDistributionPoints(value: Uint8Array): DistributionPoint[] {
  const seq = expectTag(readSingle(value, 'cRLDistributionPoints'), TAG.SEQUENCE, 'cRLDistributionPoints');
  return readChildren(value, seq, 'cRLDistributionPoints').map((dp, i) => {
    const path = `cRLDistributionPoints[${i}]`;
    const point: DistributionPoint = {
      fullName: null,
      nameRelativeToCRLIssuer: null,
      reasons: null,
      cRLIssuer: null,
      distributionPointDer: null,
    };
    for (const field of readChildren(value, expectTag(dp, TAG.SEQUENCE, path), path)) {
      if (field.tag === 0xa0) {
        const [name] = readChildren(value, field, `${path}.distributionPoint`);
        if (!name) throw new DerError('DER_MALFORMED', 'empty distributionPoint', field.start, `${path}.distributionPoint`);
        point.distributionPointDer = value.slice(name.start, name.contentEnd);
        if (name.tag === 0xa0) point.fullName = formatGeneralNames(value, name, `${path}.distributionPoint.fullName`);
        else if (name.tag === 0xa1) point.nameRelativeToCRLIssuer = formatRelativeName(value, name);
        else
          throw new DerError(
            'DER_MALFORMED',
            `unknown DistributionPointName tag 0x${name.tag.toString(16)}`,
            name.start,
            `${path}.distributionPoint`,
          );
      } else if (field.tag === 0x81) point.reasons = readReasonFlags(value, field, `${path}.reasons`);
      else if (field.tag === 0xa2) point.cRLIssuer = formatGeneralNames(value, field, `${path}.cRLIssuer`);
      else throw new DerError('DER_MALFORMED', `unexpected DistributionPoint field 0x${field.tag.toString(16)}`, field.start, path);
    }
    return point;
  });
}

/** `AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF AccessDescription { accessMethod OID, accessLocation GeneralName }` */
function readAuthorityInfoAccess(value: Uint8Array, out: ExtensionFields): void {
  const seq = expectTag(readSingle(value, 'authorityInfoAccess'), TAG.SEQUENCE, 'authorityInfoAccess');
  readChildren(value, seq, 'authorityInfoAccess').forEach((ad, i) => {
    const path = `authorityInfoAccess[${i}]`;
    const [method, location] = readChildren(value, expectTag(ad, TAG.SEQUENCE, path), path);
    if (!method || !location)
      throw new DerError('DER_MALFORMED', 'AccessDescription needs accessMethod and accessLocation', ad.start, path);
    const oid = decodeOid(
      value,
      expectTag(method, TAG.OID, `${path}.accessMethod`).contentStart,
      method.contentEnd,
      `${path}.accessMethod`,
    );
    if (location.tag !== GENERAL_NAME_TAG.uniformResourceIdentifier) {
      formatGeneralName(value, location, `${path}.accessLocation`); // validates; non-URI locations are not fetchable
      return;
    }
    const uri = new TextDecoder('latin1').decode(value.subarray(location.contentStart, location.contentEnd));
    if (oid === OID.id_ad_ocsp) out.ocspUrls.push(uri);
    else if (oid === OID.id_ad_caIssuers) out.caIssuers.push(uri);
  });
}
