import { createHash } from 'node:crypto';
import { UnsupportedAlgorithmError, X509Error } from '../errors.js';
import { OID } from '../oids.js';
import { verifySignature } from '../crypto/signature.js';
import { verifyCertificateSignature } from '../cert/verify.js';
import type { ParsedCertificate } from '../cert/types.js';
import { bytesEqual, certIdEquals, certIdIsOfIssuer, issuerOf } from './cert-id.js';
import type {
  BasicOcspResponse,
  CertId,
  OcspProblem,
  OcspProblemCode,
  OcspResponse,
  OcspVerification,
  ResponderId,
  SingleResponse,
} from './types.js';

export interface OcspVerifyOptions {
  /** the CA that issued the certificate asked about */
  issuer: ParsedCertificate;
  /** what was asked: the CertID must be answered; a nonce is compared when both sides carry one */
  request?: { certId: CertId; nonce: Uint8Array | null };
  now?: Date;
  /** tolerated clock difference for thisUpdate / nextUpdate and the responder certificate's validity; default 300 */
  skewSeconds?: number;
}

const DEFAULT_SKEW_SECONDS = 300;

/**
 * Judges an OCSP response for one question (RFC 6960 §3.2, §4.2.2.2). Design: it never throws for an untrustworthy response —
 * it returns every problem found, each with a stable code, and `ok` only when there is none, so callers can log or map all of
 * them (and the CLI can show them). `assertOcspResponse` turns a failed verification into an OcspError for callers that prefer
 * exceptions.
 *
 * Checks: the response is `successful`; the signature verifies with the CA's key, or with the key of a certificate included
 * in the response that this CA issued (issuer DN equal and signature verified with the CA key — the key, not the name, since
 * JPKI CA generations share one DN), that carries extKeyUsage id-kp-OCSPSigning and is valid at `now`; the responderID names
 * the key or certificate that signed; a single response answers the requested CertID (without a request: one about a
 * certificate of this CA); the nonces agree when both are present; thisUpdate is not in the future and nextUpdate has not
 * passed (± skew).
 */
export function verifyOcspResponse(resp: OcspResponse, opts: OcspVerifyOptions): OcspVerification {
  const problems: OcspProblem[] = [];
  const add = (code: OcspProblemCode, message: string): void => {
    problems.push({ code, message });
  };
  const result = (
    signer: OcspVerification['signer'],
    responderCert: ParsedCertificate | null,
    response: SingleResponse | null,
  ): OcspVerification => ({
    ok: problems.length === 0,
    problems,
    signer,
    responderCert,
    response,
  });

  const basic = resp.basic;
  if (resp.responseStatus !== 'successful' || !basic) {
    add('NOT_SUCCESSFUL', `responder answered ${resp.responseStatus}`);
    return result(null, null, null);
  }
  const nowMs = (opts.now ?? new Date()).getTime();
  const skewMs = (opts.skewSeconds ?? DEFAULT_SKEW_SECONDS) * 1000;

  const { signer, responderCert } = checkSigner(basic, opts.issuer, nowMs, skewMs, add);
  const response = findResponse(basic, opts, add);

  const asked = opts.request?.nonce;
  if (asked && basic.nonce && !bytesEqual(asked, basic.nonce)) add('NONCE_MISMATCH', 'the response nonce differs from the request nonce');

  if (response) {
    if (response.thisUpdate.getTime() > nowMs + skewMs)
      add('THIS_UPDATE_IN_FUTURE', `thisUpdate ${response.thisUpdate.toISOString()} is in the future`);
    if (response.nextUpdate && response.nextUpdate.getTime() < nowMs - skewMs)
      add('NEXT_UPDATE_PASSED', `nextUpdate ${response.nextUpdate.toISOString()} has passed`);
  }
  return result(signer, responderCert, response);
}

type AddProblem = (code: OcspProblemCode, message: string) => void;

/** Finds who signed; records every reason the signer is not acceptable. */
function checkSigner(
  basic: BasicOcspResponse,
  ca: ParsedCertificate,
  nowMs: number,
  skewMs: number,
  add: AddProblem,
): { signer: OcspVerification['signer']; responderCert: ParsedCertificate | null } {
  const alg = basic.signatureAlgorithm;
  if (!alg) {
    add('UNSUPPORTED_ALGORITHM', `unsupported signature algorithm ${basic.signatureAlgorithmOid}`);
    return { signer: null, responderCert: null };
  }
  const signs = (cert: ParsedCertificate): boolean =>
    cert.publicKey !== null &&
    basic.signatureUnusedBits === 0 &&
    verifySignature(alg, cert.publicKey, basic.tbsResponseData, basic.signatureValue);

  if (signs(ca)) {
    if (!responderIdNames(basic.responderId, ca)) add('RESPONDER_ID_MISMATCH', 'signed by the CA, but responderID names someone else');
    return { signer: 'issuer', responderCert: null };
  }
  // Certificates named by responderID first: the signature is then checked once in the usual case.
  const candidates = [...basic.certs].sort(
    (a, b) => Number(responderIdNames(basic.responderId, b)) - Number(responderIdNames(basic.responderId, a)),
  );
  const responder = candidates.find(signs);
  if (!responder) {
    add('SIGNATURE_INVALID', `neither the CA key nor any of the ${basic.certs.length} included certificates verifies the signature`);
    return { signer: null, responderCert: null };
  }
  const who = `responder certificate ${responder.serialHex} (${responder.subject.text})`;
  if (!responderIdNames(basic.responderId, responder)) add('RESPONDER_ID_MISMATCH', `${who} signed, but responderID names someone else`);
  if (!bytesEqual(responder.issuer.der, ca.subject.der) || !issuedBy(responder, ca))
    add('RESPONDER_NOT_ISSUED_BY_CA', `${who} was not issued by this CA's key`);
  if (!responder.extKeyUsage?.includes(OID.id_kp_OCSPSigning))
    add('RESPONDER_NOT_AUTHORIZED', `${who} lacks extKeyUsage id-kp-OCSPSigning`);
  if (responder.notBefore.getTime() > nowMs + skewMs || responder.notAfter.getTime() < nowMs - skewMs) {
    add(
      'RESPONDER_CERT_NOT_VALID_NOW',
      `${who} is valid only from ${responder.notBefore.toISOString()} to ${responder.notAfter.toISOString()}`,
    );
  }
  return { signer: 'delegated', responderCert: responder };
}

function issuedBy(cert: ParsedCertificate, ca: ParsedCertificate): boolean {
  if (!ca.publicKey) return false;
  try {
    return verifyCertificateSignature(cert, ca.publicKey);
  } catch (e) {
    if (e instanceof UnsupportedAlgorithmError) return false;
    throw e;
  }
}

/** byName: the subject DN, byte for byte; byKey: SHA-1 of the subjectPublicKey BIT STRING value (RFC 6960 §4.2.1). */
function responderIdNames(id: ResponderId, cert: ParsedCertificate): boolean {
  if (id.type === 'byName') return bytesEqual(id.name.der, cert.subject.der);
  return bytesEqual(id.keyHash, new Uint8Array(createHash('sha1').update(cert.subjectPublicKey).digest()));
}

function findResponse(basic: BasicOcspResponse, opts: OcspVerifyOptions, add: AddProblem): SingleResponse | null {
  const asked = opts.request?.certId;
  const found = asked
    ? basic.responses.find((r) => certIdEquals(r.certId, asked))
    : basic.responses.find((r) => certIdIsOfIssuer(r.certId, issuerOf(opts.issuer)));
  if (found) return found;
  add(
    'CERT_ID_NOT_FOUND',
    asked
      ? `no single response for the requested serial ${asked.serial.toString(16).toUpperCase()}`
      : 'no single response about a certificate of this CA',
  );
  return null;
}

/** An OCSP response that failed verification; `problems` lists why. */
export class OcspError extends X509Error {
  readonly problems: readonly OcspProblem[];
  constructor(problems: readonly OcspProblem[]) {
    super('OCSP_INVALID', `OCSP response rejected: ${problems.map((p) => `${p.code} (${p.message})`).join('; ')}`);
    this.problems = problems;
  }
}

/** The answering single response of a verification, or OcspError (code OCSP_INVALID) listing every problem. */
export function assertOcspResponse(v: OcspVerification): SingleResponse {
  if (!v.ok || !v.response) throw new OcspError(v.problems);
  return v.response;
}
