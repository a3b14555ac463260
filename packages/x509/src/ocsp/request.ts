import { X509Error } from '../errors.js';
import { OID } from '../oids.js';
import { explicit, extension, octetString, sequence } from '../der/writer.js';
import type { ParsedCertificate } from '../cert/types.js';
import { computeCertId, encodeCertId, issuerOf, subjectPublicKeyOf, type CertIdIssuer } from './cert-id.js';
import type { CertId } from './types.js';

/** RFC 8954 §2.1: a nonce is 1 to 32 octets. */
const MAX_NONCE_OCTETS = 32;

export interface OcspRequestOptions {
  /** the certificate asked about; or give `serial` */
  cert?: ParsedCertificate;
  serial?: bigint;
  /** the CA that issued it: a parsed certificate, or its subject Name DER and SubjectPublicKeyInfo DER */
  issuer: ParsedCertificate | { nameDer: Uint8Array; spki: Uint8Array };
  /** CertID hash; default `sha1`, the one every responder understands (RFC 5019 §2.1.1) */
  hash?: 'sha1' | 'sha256';
  /** 1–32 octets (RFC 8954), e.g. randomBytes(16); omitted → no nonce */
  nonce?: Uint8Array;
}

export interface BuiltOcspRequest {
  der: Uint8Array;
  certId: CertId;
  nonce: Uint8Array | null;
}

/**
 * An unsigned OCSPRequest for one certificate (RFC 6960 §4.1.1):
 *
 * ```asn1
 * OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
 * TBSRequest ::= SEQUENCE {
 *   version           [0] EXPLICIT Version DEFAULT v1,
 *   requestorName     [1] EXPLICIT GeneralName OPTIONAL,
 *   requestList           SEQUENCE OF Request,
 *   requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 * Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 * ```
 * The nonce extension's value is an OCTET STRING holding the nonce (RFC 8954), as OpenSSL writes it.
 * Throws X509Error OCSP_INVALID for a nonce outside 1–32 octets or when neither `cert` nor `serial` is given.
 */
export function buildOcspRequest(opts: OcspRequestOptions): BuiltOcspRequest {
  const serial = opts.cert?.serial ?? opts.serial;
  if (serial === undefined) throw new X509Error('OCSP_INVALID', 'an OCSP request needs `cert` or `serial`');
  const nonce = opts.nonce ?? null;
  if (nonce && (nonce.length < 1 || nonce.length > MAX_NONCE_OCTETS)) {
    throw new X509Error('OCSP_INVALID', `OCSP nonce must be 1–${MAX_NONCE_OCTETS} octets (RFC 8954), got ${nonce.length}`);
  }
  const certId = computeCertId(toCertIdIssuer(opts.issuer), serial, opts.hash ?? 'sha1');
  const requestList = sequence(sequence(encodeCertId(certId)));
  const tbsRequest = nonce
    ? sequence(requestList, explicit(2, sequence(extension(OID.id_pkix_ocsp_nonce, false, octetString(nonce)))))
    : sequence(requestList);
  return { der: sequence(tbsRequest), certId, nonce: nonce ? Uint8Array.from(nonce) : null };
}

function toCertIdIssuer(issuer: OcspRequestOptions['issuer']): CertIdIssuer {
  return 'nameDer' in issuer ? { nameDer: issuer.nameDer, subjectPublicKey: subjectPublicKeyOf(issuer.spki) } : issuerOf(issuer);
}
