import type { KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from '../crypto/signature.js';

/** A name as read from DER: the raw bytes (for exact comparison) and RFC 4514 text (`CN=…,O=…,C=JP`, most specific first). */
export interface DistinguishedName {
  der: Uint8Array;
  text: string;
}

export interface CrlExtension {
  oid: string;
  critical: boolean;
  /** extnValue's OCTET STRING content */
  value: Uint8Array;
  /** whether this engine understands (and therefore may honour a critical) extension */
  known: boolean;
}

/**
 * ```asn1
 * IssuingDistributionPoint ::= SEQUENCE {
 *   distributionPoint          [0] DistributionPointName OPTIONAL,
 *   onlyContainsUserCerts      [1] BOOLEAN DEFAULT FALSE,
 *   onlyContainsCACerts        [2] BOOLEAN DEFAULT FALSE,
 *   onlySomeReasons            [3] ReasonFlags OPTIONAL,
 *   indirectCRL                [4] BOOLEAN DEFAULT FALSE,
 *   onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }
 * ```
 */
export interface IssuingDistributionPoint {
  /** fullName GeneralNames rendered as text (`URI:http://…`, `DirName:CN=…`), or null when absent */
  fullName: string[] | null;
  /** nameRelativeToCRLIssuer rendered as RFC 4514 text, or null */
  nameRelativeToCRLIssuer: string | null;
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  /** reason names, or null when the CRL covers all reasons */
  onlySomeReasons: string[] | null;
  indirectCRL: boolean;
  onlyContainsAttributeCerts: boolean;
  /** the extension's value, for exact comparison with a certificate's distribution point */
  der: Uint8Array;
}

/** Everything before revokedCertificates: delivered once, before the first entry. */
export interface CrlHeader {
  /** 1 or 2 (the INTEGER 0 or 1 plus one, as OpenSSL prints it) */
  version: 1 | 2;
  signatureAlgorithm: SignatureAlgorithm;
  /**
   * false when this engine cannot verify tbsCertList.signature (problem UNSUPPORTED_ALGORITHM): `signatureAlgorithm` then carries
   * only the OID (also as its name); its scheme and hash are placeholders
   */
  signatureAlgorithmSupported: boolean;
  issuer: DistinguishedName;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** absolute offset of tbsCertList in the input */
  tbsOffset: number;
}

/**
 * One revoked entry, as a view into the current chunk. The scanner reuses ONE object for every entry: read what you need inside
 * the callback; never keep the object or `buf` beyond it.
 *
 * ```asn1
 * revokedCertificates SEQUENCE OF SEQUENCE {
 *   userCertificate    CertificateSerialNumber,
 *   revocationDate     Time,
 *   crlEntryExtensions Extensions OPTIONAL }
 * ```
 */
export interface CrlEntryView {
  /** the bytes the offsets below point into (valid during the callback only) */
  buf: Uint8Array;
  /** INTEGER content octets of userCertificate (two's complement, as encoded) */
  serialStart: number;
  serialEnd: number;
  /** the serial as a number when it is non-negative and below 2^48; otherwise -1 (use serialStart/End) */
  serialNumber: number;
  /** ms since the epoch */
  revocationDate: number;
  /** CRLReason code, or -1 when the entry has no reasonCode extension */
  reason: number;
  /** ms since the epoch, or NaN when absent */
  invalidityDate: number;
  /** certificateIssuer GeneralNames content offsets, or -1 when absent (indirect CRLs) */
  certificateIssuerStart: number;
  certificateIssuerEnd: number;
  /** 0-based index of the entry in the CRL */
  index: number;
  /** absolute byte offset of the entry's SEQUENCE in the input */
  offset: number;
}

export interface CrlProblem {
  code:
    | 'UNKNOWN_CRITICAL_EXTENSION'
    | 'UNKNOWN_CRITICAL_ENTRY_EXTENSION'
    | 'SIGNATURE_INVALID'
    | 'SIGNATURE_ALGORITHM_MISMATCH'
    | 'UNSUPPORTED_ALGORITHM'
    | 'INDIRECT_CRL'
    | 'ENTRY_EXTENSIONS_IN_V1'
    | 'UNKNOWN_REASON_CODE';
  message: string;
  /** absolute byte offset where the problem was found, when it has one */
  offset?: number;
}

/** What a complete scan found. */
export interface CrlScanResult {
  header: CrlHeader;
  /** cRLNumber as a bigint, or null when absent */
  crlNumber: bigint | null;
  /** deltaCRLIndicator's BaseCRLNumber, or null for a full CRL */
  deltaCrlIndicator: bigint | null;
  issuingDistributionPoint: IssuingDistributionPoint | null;
  /** keyIdentifier of authorityKeyIdentifier, or null */
  authorityKeyIdentifier: Uint8Array | null;
  /** freshestCRL present (points at delta CRLs) */
  freshestCrl: boolean;
  /** every crlExtension in order, known ones included */
  extensions: CrlExtension[];
  entryCount: number;
  /** counts per reason name; entries without reasonCode count under `unspecified` */
  reasons: Record<string, number>;
  /** `not_checked` when no issuer key was given */
  signature: 'valid' | 'invalid' | 'not_checked';
  /** false when RFC 5280 says the CRL must not be used (unknown critical extension, bad signature, …): see `problems` */
  usable: boolean;
  problems: CrlProblem[];
  /** total bytes of the CRL */
  byteLength: number;
  /** the raw outer signatureValue (small), for callers that re-check: the BIT STRING's content without its unused-bits octet */
  signatureValue: Uint8Array;
  /** the outer signatureAlgorithm AlgorithmIdentifier, DER */
  signatureAlgorithmDer: Uint8Array;
}

export interface CrlScanOptions {
  /** the issuer's public key; when given, the signature over tbsCertList is verified while streaming */
  issuerKey?: KeyObject;
  /**
   * With `issuerKey`: hash tbsCertList on a thread of its own, beside the walk, when it is at least this many bytes (default:
   * never). Worth it for a CRL of millions of entries in a short-lived process (`crl inspect`): the thread costs some
   * milliseconds to start, and a scan abandoned half-way leaves it waiting until the process ends.
   */
  hashOnWorkerFromBytes?: number;
  /** refuse inputs larger than this many bytes (default 4 GiB) */
  maxBytes?: number;
  /** refuse a single entry, or the header, larger than this (default 1 MiB): bounds buffering */
  maxElementBytes?: number;
  /** nesting limit for generic DER walks inside extensions (default 32) */
  maxDepth?: number;
  onHeader?: (header: CrlHeader) => void;
  onEntry?: (entry: CrlEntryView) => void;
}
