import type { KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from '../crypto/signature.js';
import type { DistinguishedName } from '../crl/types.js';
import type { CrlReason } from '../reasons.js';

export type { DistinguishedName } from '../crl/types.js';

/** One extension as found in the certificate. */
export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** extnValue's OCTET STRING content */
  value: Uint8Array;
  /** whether this engine parses the extension (see KNOWN_CERTIFICATE_EXTENSIONS); a path validator decides what a critical unknown means */
  known: boolean;
}

/**
 * ```asn1
 * KeyUsage ::= BIT STRING { digitalSignature (0), nonRepudiation (1), keyEncipherment (2), dataEncipherment (3),
 *   keyAgreement (4), keyCertSign (5), cRLSign (6), encipherOnly (7), decipherOnly (8) }
 * ```
 */
export interface KeyUsage {
  digitalSignature: boolean;
  /** also called contentCommitment (X.509 2008) */
  nonRepudiation: boolean;
  keyEncipherment: boolean;
  dataEncipherment: boolean;
  keyAgreement: boolean;
  keyCertSign: boolean;
  cRLSign: boolean;
  encipherOnly: boolean;
  decipherOnly: boolean;
}

/** `BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }` */
export interface BasicConstraints {
  cA: boolean;
  pathLenConstraint: number | null;
}

/**
 * ```asn1
 * DistributionPoint ::= SEQUENCE {
 *   distributionPoint [0] DistributionPointName OPTIONAL,
 *   reasons           [1] ReasonFlags OPTIONAL,
 *   cRLIssuer         [2] GeneralNames OPTIONAL }
 * DistributionPointName ::= CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RelativeDistinguishedName }
 * ```
 */
export interface DistributionPoint {
  /** GeneralNames rendered like OpenSSL (`URI:http://…`, `DirName:CN=…,C=JP`), or null when the point has no fullName */
  fullName: string[] | null;
  /** the RDN as RFC 4514 text (`CN=Partition 12`), or null */
  nameRelativeToCRLIssuer: string | null;
  /** reason names (RFC 5280 spelling), or null when the point covers all reasons */
  reasons: CrlReason[] | null;
  /** cRLIssuer GeneralNames rendered as in fullName, or null */
  cRLIssuer: string[] | null;
  /**
   * DER of the DistributionPointName CHOICE element itself (tag 0xA0 fullName or 0xA1 nameRelativeToCRLIssuer) — the same bytes
   * that sit inside an IssuingDistributionPoint's `[0]`, so a CRL's scope can be matched byte for byte. null when absent.
   */
  distributionPointDer: Uint8Array | null;
}

/**
 * A certificate as the engine reads it: a plain data object (no methods, no classes besides Uint8Array, Date and KeyObject),
 * consumed by the path validator, the OCSP verifier, the API and the CLI.
 *
 * ```asn1
 * Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
 * TBSCertificate ::= SEQUENCE {
 *   version         [0] EXPLICIT Version DEFAULT v1,
 *   serialNumber        CertificateSerialNumber,
 *   signature           AlgorithmIdentifier,
 *   issuer              Name,
 *   validity            Validity,
 *   subject             Name,
 *   subjectPublicKeyInfo SubjectPublicKeyInfo,
 *   issuerUniqueID  [1] IMPLICIT UniqueIdentifier OPTIONAL,
 *   subjectUniqueID [2] IMPLICIT UniqueIdentifier OPTIONAL,
 *   extensions      [3] EXPLICIT Extensions OPTIONAL }
 * ```
 */
export interface ParsedCertificate {
  /** the whole Certificate DER */
  der: Uint8Array;
  /** the exact tbsCertificate DER: the bytes the signature covers */
  tbs: Uint8Array;
  /** 1, 2 or 3 (the INTEGER plus one, as OpenSSL prints it) */
  version: 1 | 2 | 3;
  /** signed value of serialNumber (negative only in broken test certificates such as PKITS') */
  serial: bigint;
  /** the contract's serial form (formatSerial): `7F00D015`, `-01` */
  serialHex: string;
  /** the outer signatureAlgorithm, or null when node:crypto cannot verify it (see signatureAlgorithmOid) */
  signatureAlgorithm: SignatureAlgorithm | null;
  signatureAlgorithmOid: string;
  /** the outer AlgorithmIdentifier's DER: always the same bytes as tbsCertificate.signature (the parser refuses others) */
  signatureAlgorithmDer: Uint8Array;
  /** signatureValue BIT STRING content without the unused-bits octet */
  signatureValue: Uint8Array;
  /** the BIT STRING's unused-bits count: 0 in any signature that can verify (see verifyCertificateSignature) */
  signatureUnusedBits: number;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER */
  spki: Uint8Array;
  /** OID of the SubjectPublicKeyInfo algorithm (`1.2.840.113549.1.1.1` for RSA) */
  publicKeyAlgorithmOid: string;
  /** the subjectPublicKey BIT STRING content without the unused-bits octet (what OCSP's issuerKeyHash hashes) */
  subjectPublicKey: Uint8Array;
  /** the key, or null when node:crypto cannot import it (e.g. DSA with parameters inherited from the issuer) */
  publicKey: KeyObject | null;
  /** why publicKey is null; null when it is not */
  publicKeyError: string | null;
  subjectKeyIdentifier: Uint8Array | null;
  /** authorityKeyIdentifier's keyIdentifier, or null when the extension or the field is absent */
  authorityKeyIdentifier: Uint8Array | null;
  keyUsage: KeyUsage | null;
  basicConstraints: BasicConstraints | null;
  /** extKeyUsage KeyPurposeIds, or null when the extension is absent */
  extKeyUsage: string[] | null;
  /** certificatePolicies policyIdentifiers, or null when the extension is absent */
  certificatePolicies: string[] | null;
  /** cRLDistributionPoints, or null when the extension is absent */
  cRLDistributionPoints: DistributionPoint[] | null;
  /**
   * subjectAltName rendered like OpenSSL (`DNS:…`, `URI:…`, `email:…`, `IP Address:…`, `DirName:…`), or null when absent.
   * otherName values are shown as `othername:<type-id>` WITHOUT their value: JPKI puts personal data there (see jpki/).
   */
  subjectAltName: string[] | null;
  /** why a non-critical subjectAltName could not be decoded (then `subjectAltName` is null); null when it could, or is absent */
  subjectAltNameError: string | null;
  /** authorityInfoAccess id-ad-ocsp URIs (empty when none) */
  ocspUrls: string[];
  /** authorityInfoAccess id-ad-caIssuers URIs (empty when none) */
  caIssuers: string[];
  /** every extension, in certificate order */
  extensions: CertificateExtension[];
  /** subject DER equals issuer DER (RFC 5280 §6.1: self-issued; not necessarily self-signed) */
  selfIssued: boolean;
}
