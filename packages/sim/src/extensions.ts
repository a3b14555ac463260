import {
  OID,
  boolean,
  enumerated,
  explicit,
  extension,
  generalizedTime,
  implicitConstructed,
  implicitPrimitive,
  integer,
  nullValue,
  octetString,
  oid,
  sequence,
  tlv,
  TAG,
} from '@jpki-validator/x509';

/** KeyUsage bit numbers (RFC 5280 §4.2.1.3). */
export const KEY_USAGE = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;
export type KeyUsageName = keyof typeof KEY_USAGE;

/** GeneralName uniformResourceIdentifier: [6] IMPLICIT IA5String. */
const uriName = (uri: string): Uint8Array => implicitPrimitive(6, new TextEncoder().encode(uri));

/** GeneralName directoryName: [4] Name — EXPLICIT, since Name is a CHOICE. */
const directoryName = (name: Uint8Array): Uint8Array => explicit(4, name);

/** The names of one distribution point: a URI, and (municipal partitions) a directoryName listed before it. */
export interface DistributionPointNames {
  uri: string;
  /** DER Name */
  dirName?: Uint8Array;
}

/**
 * DistributionPointName ::= CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] … }, as used by CRL DPs and IDPs:
 * `[0] { [0] { [4] { Name }?, [6] uri } }`.
 */
const distributionPointName = ({ uri, dirName }: DistributionPointNames): Uint8Array =>
  implicitConstructed(0, implicitConstructed(0, ...(dirName ? [directoryName(dirName)] : []), uriName(uri)));

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
export function basicConstraints(cA: boolean): Uint8Array {
  return extension(OID.id_ce_basicConstraints, true, cA ? sequence(boolean(true)) : sequence());
}

/** KeyUsage ::= BIT STRING, DER-minimal: trailing zero bits dropped and counted as unused. */
export function keyUsage(usages: readonly KeyUsageName[]): Uint8Array {
  let bits = 0;
  for (const u of usages) bits |= 0x80 >> KEY_USAGE[u];
  let unused = 0;
  while (unused < 8 && (bits & (1 << unused)) === 0) unused++;
  const value = bits === 0 ? tlv(TAG.BIT_STRING, Uint8Array.of(0)) : tlv(TAG.BIT_STRING, Uint8Array.of(unused, bits));
  return extension(OID.id_ce_keyUsage, true, value);
}

/** SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING) */
export const subjectKeyIdentifier = (keyId: Uint8Array): Uint8Array => extension(OID.id_ce_subjectKeyIdentifier, false, octetString(keyId));

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL, … } */
export const authorityKeyIdentifier = (keyId: Uint8Array): Uint8Array =>
  extension(OID.id_ce_authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyId)));

/** certificatePolicies ::= SEQUENCE OF PolicyInformation { policyIdentifier } */
export const certificatePolicies = (policy: string): Uint8Array =>
  extension(OID.id_ce_certificatePolicies, false, sequence(sequence(oid(policy))));

/** CRLDistributionPoints ::= SEQUENCE OF DistributionPoint { distributionPoint [0] DistributionPointName } — one DP per entry. */
export const crlDistributionPoints = (points: readonly DistributionPointNames[]): Uint8Array =>
  extension(OID.id_ce_cRLDistributionPoints, false, sequence(...points.map((p) => sequence(distributionPointName(p)))));

/** AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription { accessMethod id-ad-ocsp, accessLocation GeneralName } */
export const authorityInfoAccess = (ocspUri: string): Uint8Array =>
  extension(OID.id_pe_authorityInfoAccess, false, sequence(sequence(oid(OID.id_ad_ocsp), uriName(ocspUri))));

/** ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId */
export const extKeyUsage = (purposes: readonly string[]): Uint8Array =>
  extension(OID.id_ce_extKeyUsage, false, sequence(...purposes.map((p) => oid(p))));

/** id-pkix-ocsp-nocheck: NULL — clients need not check the delegated responder's own revocation (RFC 6960 §4.2.2.2.1). */
export const ocspNoCheck = (): Uint8Array => extension(OID.id_pkix_ocsp_nocheck, false, nullValue());

/** subjectAltName ::= GeneralNames, given already encoded. */
export const subjectAltName = (generalNames: Uint8Array): Uint8Array => extension(OID.id_ce_subjectAltName, false, generalNames);

/** CRLNumber ::= INTEGER (0..MAX) */
export const crlNumber = (n: bigint | number): Uint8Array => extension(OID.id_ce_cRLNumber, false, integer(n));

/** BaseCRLNumber ::= CRLNumber, critical (RFC 5280 §5.2.4). */
export const deltaCrlIndicator = (base: bigint | number): Uint8Array => extension(OID.id_ce_deltaCRLIndicator, true, integer(base));

/**
 * IssuingDistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName OPTIONAL,
 *   onlyContainsUserCerts [1] BOOLEAN DEFAULT FALSE, … } — critical (RFC 5280 §5.2.5).
 */
export const issuingDistributionPoint = (names: DistributionPointNames, onlyContainsUserCerts: boolean): Uint8Array =>
  extension(
    OID.id_ce_issuingDistributionPoint,
    true,
    sequence(distributionPointName(names), ...(onlyContainsUserCerts ? [implicitPrimitive(1, Uint8Array.of(0xff))] : [])),
  );

/** CRL entry reasonCode: CRLReason ::= ENUMERATED */
export const reasonCodeExtension = (code: number): Uint8Array => extension(OID.id_ce_cRLReasons, false, enumerated(code));

/** CRL entry invalidityDate ::= GeneralizedTime */
export const invalidityDateExtension = (date: Date): Uint8Array => extension(OID.id_ce_invalidityDate, false, generalizedTime(date));

/** Extensions in a certificate ([3] EXPLICIT) or CRL ([0] EXPLICIT). */
export const explicitExtensions = (n: number, exts: readonly Uint8Array[]): Uint8Array => explicit(n, sequence(...exts));
