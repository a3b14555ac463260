import { createHash } from 'node:crypto';
import * as pkijs from 'pkijs';
import {
  OID,
  bitString,
  enumerated,
  explicit,
  extension,
  generalizedTime,
  implicitConstructed,
  implicitPrimitive,
  octetString,
  oid,
  reasonCode,
  sequence,
  toHex,
} from '@jpki-validator/x509';
import { SHA256_WITH_RSA, signSha256Rsa } from './cert-builder.js';
import type { CaMaterial, SignerMaterial } from './ca.js';
import { subjectPublicKeyBits } from './names.js';
import type { SerialStatus } from './options.js';

/** Who signs responses: the CA key itself, or its delegated responder (a certificate with id-kp-OCSPSigning, sent along). */
export type OcspSignerChoice = 'ca' | 'delegated';

export interface OcspResponderOptions {
  /** Default `delegated`. */
  signer?: OcspSignerChoice;
  /** nextUpdate − thisUpdate. Default 3600. */
  validitySeconds?: number;
}

/** What the responder needs from the simulator: the CAs and a status lookup. */
export interface OcspStatusSource {
  cas(): readonly CaMaterial[];
  status(caId: string, serial: bigint): SerialStatus | undefined;
}

/** OCSPResponseStatus (RFC 6960 §4.2.1). */
const OCSP_STATUS = { successful: 0, malformedRequest: 1, internalError: 2, unauthorized: 6 } as const;

const HASH_BY_OID: Readonly<Record<string, string>> = {
  [OID.id_sha1]: 'sha1',
  [OID.id_sha256]: 'sha256',
  [OID.id_sha384]: 'sha384',
  [OID.id_sha512]: 'sha512',
};

/** OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL } */
const bareResponse = (status: number): Uint8Array => sequence(enumerated(status));

const bytesOf = (view: ArrayBuffer | Uint8Array): Uint8Array => (view instanceof Uint8Array ? view : new Uint8Array(view));

/**
 * An RFC 6960 responder over the simulator's revocation state. Requests are parsed with pkijs; responses are built with the
 * DER writer and signed with node:crypto. The CertID of each request is echoed byte for byte; the nonce extension likewise.
 * Issuer matching is by (issuerNameHash, issuerKeyHash), so two generations with one DN are told apart by their keys.
 */
export function createOcspResponder(
  source: OcspStatusSource,
  options: OcspResponderOptions = {},
): (requestDer: Uint8Array, nowMs?: number) => Uint8Array {
  const signerChoice = options.signer ?? 'delegated';
  const validitySeconds = options.validitySeconds ?? 3600;

  const issuerKeys = new Map<string, string>();
  /** `issuerNameHash/issuerKeyHash` in hex for a CA under a hash, computed once. */
  const issuerKey = (hash: string, ca: CaMaterial): string => {
    const cacheKey = `${hash}:${ca.ca.id}`;
    let value = issuerKeys.get(cacheKey);
    if (value === undefined) {
      value = `${toHex(bytesOf(createHash(hash).update(ca.name).digest()))}/${toHex(bytesOf(createHash(hash).update(subjectPublicKeyBits(ca.spki)).digest()))}`;
      issuerKeys.set(cacheKey, value);
    }
    return value;
  };

  return (requestDer, nowMs = Date.now()) => {
    let request: pkijs.OCSPRequest;
    try {
      request = pkijs.OCSPRequest.fromBER(requestDer);
    } catch {
      return bareResponse(OCSP_STATUS.malformedRequest);
    }
    const requests = request.tbsRequest.requestList;
    if (requests.length === 0) return bareResponse(OCSP_STATUS.malformedRequest);

    let signingCa: CaMaterial | undefined;
    const singles: Uint8Array[] = [];
    const nowSeconds = Math.floor(nowMs / 1000);
    const thisUpdate = new Date(nowSeconds * 1000);
    const nextUpdate = new Date((nowSeconds + validitySeconds) * 1000);
    for (const { reqCert } of requests) {
      const hash = HASH_BY_OID[reqCert.hashAlgorithm.algorithmId];
      const wanted = `${toHex(bytesOf(reqCert.issuerNameHash.valueBlock.valueHexView))}/${toHex(bytesOf(reqCert.issuerKeyHash.valueBlock.valueHexView))}`;
      const ca = hash === undefined ? undefined : source.cas().find((c) => issuerKey(hash, c) === wanted);
      signingCa ??= ca;
      // One response is signed by one key: requests naming another CA than the first recognised one are "unknown".
      const status = ca && ca === signingCa ? source.status(ca.ca.id, reqCert.serialNumber.toBigInt()) : undefined;
      singles.push(singleResponse(bytesOf(reqCert.toSchema().toBER()), status, thisUpdate, nextUpdate));
    }
    if (!signingCa) return bareResponse(OCSP_STATUS.unauthorized);

    const nonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === OID.id_pkix_ocsp_nonce);
    const signer: SignerMaterial = signerChoice === 'ca' ? signingCa : signingCa.responder;
    /**
     * ResponseData ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, responderID ResponderID, producedAt GeneralizedTime,
     *   responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT Extensions OPTIONAL }
     * ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }
     */
    const tbsResponseData = sequence(
      explicit(2, octetString(signer.keyId)),
      generalizedTime(thisUpdate),
      sequence(...singles),
      ...(nonce ? [explicit(1, sequence(extension(OID.id_pkix_ocsp_nonce, false, bytesOf(nonce.extnValue.valueBlock.valueHexView))))] : []),
    );
    /** BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL } */
    const basic = sequence(
      tbsResponseData,
      SHA256_WITH_RSA,
      bitString(signSha256Rsa(signer.key, tbsResponseData)),
      ...(signerChoice === 'delegated' ? [explicit(0, sequence(signer.certDer))] : []),
    );
    return sequence(enumerated(OCSP_STATUS.successful), explicit(0, sequence(oid(OID.id_pkix_ocsp_basic), octetString(basic))));
  };
}

/**
 * SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate GeneralizedTime,
 *   nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT Extensions OPTIONAL }
 * CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT UnknownInfo }
 * RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
 */
function singleResponse(certId: Uint8Array, status: SerialStatus | undefined, thisUpdate: Date, nextUpdate: Date): Uint8Array {
  let certStatus: Uint8Array;
  if (status?.status === 'good') certStatus = implicitPrimitive(0, new Uint8Array(0));
  else if (status?.status === 'revoked' && status.revokedAt) {
    const reason = status.reason && status.reason !== 'unspecified' ? [explicit(0, enumerated(reasonCode(status.reason)))] : [];
    certStatus = implicitConstructed(1, generalizedTime(status.revokedAt), ...reason);
  } else certStatus = implicitPrimitive(2, new Uint8Array(0));
  return sequence(certId, certStatus, generalizedTime(thisUpdate), explicit(0, generalizedTime(nextUpdate)));
}
