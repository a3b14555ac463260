import type { SignatureAlgorithm } from '../crypto/signature.js';
import type { CertificateExtension, DistinguishedName, ParsedCertificate } from '../cert/types.js';
import type { CrlReason } from '../reasons.js';

/**
 * ```asn1
 * CertID ::= SEQUENCE {
 *   hashAlgorithm  AlgorithmIdentifier,
 *   issuerNameHash OCTET STRING, -- Hash of issuer's DN
 *   issuerKeyHash  OCTET STRING, -- Hash of issuer's public key (the subjectPublicKey BIT STRING's value)
 *   serialNumber   CertificateSerialNumber }
 * ```
 */
export interface CertId {
  /** `sha1`, `sha256`, … or the dotted OID of a hash this engine does not know */
  hashAlgorithm: string;
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  serial: bigint;
}

/** RFC 6960 §4.2.1 OCSPResponseStatus (4 is not used). */
export type OcspResponseStatus = 'successful' | 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';

/** `ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }` — KeyHash is the SHA-1 of the responder's subjectPublicKey. */
export type ResponderId = { type: 'byName'; name: DistinguishedName } | { type: 'byKey'; keyHash: Uint8Array };

/**
 * ```asn1
 * SingleResponse ::= SEQUENCE {
 *   certID           CertID,
 *   certStatus       CertStatus,
 *   thisUpdate       GeneralizedTime,
 *   nextUpdate       [0] EXPLICIT GeneralizedTime OPTIONAL,
 *   singleExtensions [1] EXPLICIT Extensions OPTIONAL }
 * CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT UnknownInfo }
 * RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
 * ```
 */
export interface SingleResponse {
  certId: CertId;
  status: 'good' | 'revoked' | 'unknown';
  /** for `revoked` only */
  revocationTime: Date | null;
  /** for `revoked` with a reason only (RFC 5280 names) */
  revocationReason: CrlReason | null;
  thisUpdate: Date;
  /** null: the responder promises nothing about freshness — never cache such an answer (RFC 6960 §4.2.2.1) */
  nextUpdate: Date | null;
  extensions: CertificateExtension[];
}

/**
 * ```asn1
 * BasicOCSPResponse ::= SEQUENCE {
 *   tbsResponseData    ResponseData,
 *   signatureAlgorithm AlgorithmIdentifier,
 *   signature          BIT STRING,
 *   certs              [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 * ResponseData ::= SEQUENCE {
 *   version            [0] EXPLICIT Version DEFAULT v1,
 *   responderID        ResponderID,
 *   producedAt         GeneralizedTime,
 *   responses          SEQUENCE OF SingleResponse,
 *   responseExtensions [1] EXPLICIT Extensions OPTIONAL }
 * ```
 */
export interface BasicOcspResponse {
  /** the exact ResponseData DER: the bytes the signature covers */
  tbsResponseData: Uint8Array;
  responderId: ResponderId;
  producedAt: Date;
  responses: SingleResponse[];
  /** the id-pkix-ocsp-nonce value (RFC 8954), or null when the response has none */
  nonce: Uint8Array | null;
  responseExtensions: CertificateExtension[];
  /** null when node:crypto cannot verify the algorithm (signatureAlgorithmOid names it) */
  signatureAlgorithm: SignatureAlgorithm | null;
  signatureAlgorithmOid: string;
  /** the BIT STRING content without the unused-bits octet */
  signatureValue: Uint8Array;
  signatureUnusedBits: number;
  /** certificates the responder included (a delegated responder's own certificate, usually) */
  certs: ParsedCertificate[];
}

/**
 * ```asn1
 * OCSPResponse ::= SEQUENCE { responseStatus OCSPResponseStatus, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
 * ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }
 * ```
 */
export interface OcspResponse {
  der: Uint8Array;
  responseStatus: OcspResponseStatus;
  /** the id-pkix-ocsp-basic response when responseStatus is `successful`; null otherwise */
  basic: BasicOcspResponse | null;
}

/** Why a response cannot be trusted for the question asked. Stable codes: callers branch on them. */
export type OcspProblemCode =
  | 'NOT_SUCCESSFUL'
  | 'UNSUPPORTED_ALGORITHM'
  | 'SIGNATURE_INVALID'
  | 'RESPONDER_ID_MISMATCH'
  | 'RESPONDER_NOT_ISSUED_BY_CA'
  | 'RESPONDER_NOT_AUTHORIZED'
  | 'RESPONDER_CERT_NOT_VALID_NOW'
  | 'CERT_ID_NOT_FOUND'
  | 'NONCE_MISMATCH'
  | 'THIS_UPDATE_IN_FUTURE'
  | 'NEXT_UPDATE_PASSED';

export interface OcspProblem {
  code: OcspProblemCode;
  message: string;
}

export interface OcspVerification {
  /** true only when there are no problems */
  ok: boolean;
  problems: OcspProblem[];
  /** who signed: the CA itself, a delegated responder certificate from `certs`, or null when no key verified the signature */
  signer: 'issuer' | 'delegated' | null;
  /** the delegated responder's certificate, when `signer` is `delegated` */
  responderCert: ParsedCertificate | null;
  /** the single response that answers the question (the requested CertID, or the first about this issuer); null when absent */
  response: SingleResponse | null;
}
