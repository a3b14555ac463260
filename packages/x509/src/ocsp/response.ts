import { DerError, UnsupportedAlgorithmError, X509Error } from '../errors.js';
import { OID } from '../oids.js';
import { reasonName } from '../reasons.js';
import { decodeOid } from '../der/oid.js';
import { formatName } from '../der/name.js';
import { readTimeMs } from '../der/time.js';
import { readChildren, readSingle, readTlv, readSmallInteger, expectTag, TAG, type Tlv } from '../der/tlv.js';
import { parseSignatureAlgorithm, type SignatureAlgorithm } from '../crypto/signature.js';
import { parseCertificate, readExtensions } from '../cert/parse-certificate.js';
import type { CertificateExtension, ParsedCertificate } from '../cert/types.js';
import { readCertId } from './cert-id.js';
import type { BasicOcspResponse, OcspResponse, OcspResponseStatus, ResponderId, SingleResponse } from './types.js';

const RESPONSE_STATUSES: readonly (OcspResponseStatus | undefined)[] = [
  'successful',
  'malformedRequest',
  'internalError',
  'tryLater',
  undefined, // 4 is not used
  'sigRequired',
  'unauthorized',
];

/** Extensions of ResponseData this module reads. */
const KNOWN_RESPONSE_EXTENSIONS: ReadonlySet<string> = new Set([OID.id_pkix_ocsp_nonce]);
const NO_KNOWN_EXTENSIONS: ReadonlySet<string> = new Set();

/**
 * Parses an OCSPResponse (RFC 6960 §4.2.1, see types.ts for the ASN.1). Strict DER. Anything malformed throws X509Error
 * OCSP_MALFORMED naming the field and byte offset (the DerError is its `cause`); a response type other than id-pkix-ocsp-basic
 * is refused the same way. Parsing does not verify anything: see verifyOcspResponse.
 */
export function parseOcspResponse(input: Uint8Array): OcspResponse {
  try {
    // A private copy: the result's fields are views into it.
    return readOcspResponse(new Uint8Array(input));
  } catch (e) {
    if (e instanceof DerError) throw new X509Error('OCSP_MALFORMED', `malformed OCSP response: ${e.message}`, { cause: e });
    throw e;
  }
}

function readOcspResponse(der: Uint8Array): OcspResponse {
  const top = expectTag(readSingle(der, 'OCSPResponse'), TAG.SEQUENCE, 'OCSPResponse');
  const [statusTlv, bytesWrapper] = readChildren(der, top, 'OCSPResponse');
  if (!statusTlv) throw new DerError('DER_MALFORMED', 'OCSPResponse without responseStatus', top.start, 'OCSPResponse');
  const code = readSmallInteger(der, expectTag(statusTlv, TAG.ENUMERATED, 'responseStatus'), 'responseStatus');
  const responseStatus = RESPONSE_STATUSES[code];
  if (!responseStatus) throw new DerError('DER_MALFORMED', `unknown responseStatus ${code}`, statusTlv.start, 'responseStatus');
  if (responseStatus !== 'successful') return { der, responseStatus, basic: null };
  if (!bytesWrapper) throw new DerError('DER_MALFORMED', 'successful response without responseBytes', top.contentEnd, 'responseBytes');
  expectTag(bytesWrapper, 0xa0, 'responseBytes');
  const responseBytes = expectTag(
    readTlv(der, bytesWrapper.contentStart, bytesWrapper.contentEnd, 'responseBytes'),
    TAG.SEQUENCE,
    'responseBytes',
  );
  const [typeTlv, octets] = readChildren(der, responseBytes, 'responseBytes');
  if (!typeTlv || !octets)
    throw new DerError('DER_MALFORMED', 'ResponseBytes needs responseType and response', responseBytes.start, 'responseBytes');
  const type = decodeOid(
    der,
    expectTag(typeTlv, TAG.OID, 'responseBytes.responseType').contentStart,
    typeTlv.contentEnd,
    'responseBytes.responseType',
  );
  if (type !== OID.id_pkix_ocsp_basic)
    throw new X509Error('OCSP_MALFORMED', `unsupported OCSP responseType ${type} (only id-pkix-ocsp-basic)`);
  expectTag(octets, TAG.OCTET_STRING, 'responseBytes.response');
  // Offsets stay absolute: the basic response is read in place, inside the outer buffer.
  const basicTlv = expectTag(readTlv(der, octets.contentStart, octets.contentEnd, 'BasicOCSPResponse'), TAG.SEQUENCE, 'BasicOCSPResponse');
  if (basicTlv.contentEnd !== octets.contentEnd)
    throw new DerError('DER_TRAILING_DATA', 'bytes after BasicOCSPResponse', basicTlv.contentEnd, 'responseBytes.response');
  return { der, responseStatus, basic: readBasic(der, basicTlv) };
}

function readBasic(der: Uint8Array, basic: Tlv): BasicOcspResponse {
  const [tbs, sigAlg, sig, certsWrapper, extra] = readChildren(der, basic, 'BasicOCSPResponse');
  if (!tbs || !sigAlg || !sig || extra)
    throw new DerError(
      'DER_MALFORMED',
      'BasicOCSPResponse must be tbsResponseData, signatureAlgorithm, signature, [certs]',
      basic.start,
      'BasicOCSPResponse',
    );
  expectTag(tbs, TAG.SEQUENCE, 'tbsResponseData');
  expectTag(sig, TAG.BIT_STRING, 'signature');
  if (sig.contentEnd <= sig.contentStart) throw new DerError('DER_MALFORMED', 'empty signature BIT STRING', sig.start, 'signature');
  const { algorithm, oid } = readSignatureAlgorithm(der, expectTag(sigAlg, TAG.SEQUENCE, 'signatureAlgorithm'));
  const data = readResponseData(der, tbs);
  return {
    tbsResponseData: der.subarray(tbs.start, tbs.contentEnd),
    ...data,
    signatureAlgorithm: algorithm,
    signatureAlgorithmOid: oid,
    signatureValue: der.subarray(sig.contentStart + 1, sig.contentEnd),
    signatureUnusedBits: der[sig.contentStart] as number,
    certs: certsWrapper ? readCerts(der, certsWrapper) : [],
  };
}

function readResponseData(
  der: Uint8Array,
  tbs: Tlv,
): Pick<BasicOcspResponse, 'responderId' | 'producedAt' | 'responses' | 'nonce' | 'responseExtensions'> {
  const fields = readChildren(der, tbs, 'tbsResponseData');
  let i = 0;
  if (fields[0]?.tag === 0xa0) {
    const wrapper = fields[i++] as Tlv;
    const v = readSmallInteger(
      der,
      readTlv(der, wrapper.contentStart, wrapper.contentEnd, 'tbsResponseData.version'),
      'tbsResponseData.version',
    );
    if (v !== 0) throw new DerError('DER_MALFORMED', `unknown ResponseData version ${v + 1}`, wrapper.start, 'tbsResponseData.version');
  }
  const [responder, produced, responses, extWrapper, extra] = fields.slice(i);
  if (!responder || !produced || !responses || extra)
    throw new DerError(
      'DER_MALFORMED',
      'ResponseData must be responderID, producedAt, responses, [extensions]',
      tbs.start,
      'tbsResponseData',
    );
  expectTag(produced, TAG.GENERALIZED_TIME, 'tbsResponseData.producedAt');
  let responseExtensions: CertificateExtension[] = [];
  if (extWrapper)
    responseExtensions = readExtensions(
      der,
      expectTag(extWrapper, 0xa1, 'tbsResponseData.responseExtensions'),
      'tbsResponseData.responseExtensions',
      KNOWN_RESPONSE_EXTENSIONS,
    );
  const nonceExt = responseExtensions.find((e) => e.oid === OID.id_pkix_ocsp_nonce);
  return {
    responderId: readResponderId(der, responder),
    producedAt: new Date(
      readTimeMs(der, produced.tag, produced.contentStart, produced.contentEnd, 'tbsResponseData.producedAt', produced.start),
    ),
    responses: readChildren(der, expectTag(responses, TAG.SEQUENCE, 'tbsResponseData.responses'), 'responses').map((r, n) =>
      readSingleResponse(der, r, `responses[${n}]`),
    ),
    nonce: nonceExt ? readNonce(nonceExt.value) : null,
    responseExtensions,
  };
}

/** byName `[1] EXPLICIT Name`, byKey `[2] EXPLICIT OCTET STRING` (the ASN.1 module uses EXPLICIT TAGS). */
function readResponderId(der: Uint8Array, tlv: Tlv): ResponderId {
  const path = 'tbsResponseData.responderID';
  if (tlv.tag !== 0xa1 && tlv.tag !== 0xa2)
    throw new DerError('DER_MALFORMED', `ResponderID tag 0x${tlv.tag.toString(16)} is neither byName [1] nor byKey [2]`, tlv.start, path);
  const inner = readTlv(der, tlv.contentStart, tlv.contentEnd, path);
  if (inner.contentEnd !== tlv.contentEnd) throw new DerError('DER_TRAILING_DATA', 'bytes after ResponderID', inner.contentEnd, path);
  if (tlv.tag === 0xa2)
    return { type: 'byKey', keyHash: der.slice(expectTag(inner, TAG.OCTET_STRING, `${path}.byKey`).contentStart, inner.contentEnd) };
  const name = expectTag(inner, TAG.SEQUENCE, `${path}.byName`);
  return { type: 'byName', name: { der: der.slice(name.start, name.contentEnd), text: formatName(der, name, `${path}.byName`) } };
}

function readSingleResponse(der: Uint8Array, tlv: Tlv, path: string): SingleResponse {
  const [certIdTlv, statusTlv, thisUpdateTlv, ...rest] = readChildren(der, expectTag(tlv, TAG.SEQUENCE, path), path);
  if (!certIdTlv || !statusTlv || !thisUpdateTlv)
    throw new DerError('DER_MALFORMED', 'SingleResponse needs certID, certStatus, thisUpdate', tlv.start, path);
  const time = (t: Tlv, field: string): Date =>
    new Date(
      readTimeMs(
        der,
        expectTag(t, TAG.GENERALIZED_TIME, `${path}.${field}`).tag,
        t.contentStart,
        t.contentEnd,
        `${path}.${field}`,
        t.start,
      ),
    );
  const out: SingleResponse = {
    certId: readCertId(der, certIdTlv, `${path}.certID`),
    status: 'good',
    revocationTime: null,
    revocationReason: null,
    thisUpdate: time(thisUpdateTlv, 'thisUpdate'),
    nextUpdate: null,
    extensions: [],
  };
  if (statusTlv.tag === 0x80) {
    if (statusTlv.contentEnd !== statusTlv.contentStart)
      throw new DerError('DER_MALFORMED', 'good [0] NULL must be empty', statusTlv.start, `${path}.certStatus`);
  } else if (statusTlv.tag === 0xa1) {
    out.status = 'revoked';
    const [revTime, reasonWrapper] = readChildren(der, statusTlv, `${path}.certStatus.revoked`);
    if (!revTime) throw new DerError('DER_MALFORMED', 'RevokedInfo without revocationTime', statusTlv.start, `${path}.certStatus.revoked`);
    out.revocationTime = time(revTime, 'certStatus.revoked.revocationTime');
    if (reasonWrapper) {
      const rpath = `${path}.certStatus.revoked.revocationReason`;
      const reason = expectTag(
        readTlv(der, expectTag(reasonWrapper, 0xa0, rpath).contentStart, reasonWrapper.contentEnd, rpath),
        TAG.ENUMERATED,
        rpath,
      );
      const code = readSmallInteger(der, reason, rpath);
      out.revocationReason = reasonName(code) ?? null;
      if (!out.revocationReason) throw new DerError('DER_MALFORMED', `unknown CRLReason ${code}`, reason.start, rpath);
    }
  } else if (statusTlv.tag === 0x82) {
    out.status = 'unknown';
  } else {
    throw new DerError(
      'DER_MALFORMED',
      `CertStatus tag 0x${statusTlv.tag.toString(16)} is not good [0], revoked [1] or unknown [2]`,
      statusTlv.start,
      `${path}.certStatus`,
    );
  }
  for (const field of rest) {
    if (field.tag === 0xa0) out.nextUpdate = time(readTlv(der, field.contentStart, field.contentEnd, `${path}.nextUpdate`), 'nextUpdate');
    else if (field.tag === 0xa1) out.extensions = readExtensions(der, field, `${path}.singleExtensions`, NO_KNOWN_EXTENSIONS);
    else throw new DerError('DER_MALFORMED', `unexpected SingleResponse field 0x${field.tag.toString(16)}`, field.start, path);
  }
  return out;
}

/** RFC 8954: the extension value is an OCTET STRING holding the nonce. Some old responders put the raw bytes: accept both. */
function readNonce(value: Uint8Array): Uint8Array {
  if (value[0] === TAG.OCTET_STRING) {
    try {
      const inner = readSingle(value, 'nonce');
      return value.slice(inner.contentStart, inner.contentEnd);
    } catch {
      // not a well-formed OCTET STRING: the raw form
    }
  }
  return value.slice();
}

function readSignatureAlgorithm(der: Uint8Array, tlv: Tlv): { algorithm: SignatureAlgorithm | null; oid: string } {
  const [oidTlv] = readChildren(der, tlv, 'signatureAlgorithm');
  if (!oidTlv) throw new DerError('DER_MALFORMED', 'empty AlgorithmIdentifier', tlv.start, 'signatureAlgorithm');
  const oid = decodeOid(der, expectTag(oidTlv, TAG.OID, 'signatureAlgorithm.algorithm').contentStart, oidTlv.contentEnd);
  try {
    return { algorithm: parseSignatureAlgorithm(der.subarray(tlv.start, tlv.contentEnd), 'signatureAlgorithm', tlv.start), oid };
  } catch (e) {
    if (e instanceof UnsupportedAlgorithmError) return { algorithm: null, oid };
    throw e;
  }
}

/** `certs [0] EXPLICIT SEQUENCE OF Certificate` */
function readCerts(der: Uint8Array, wrapper: Tlv): ParsedCertificate[] {
  expectTag(wrapper, 0xa0, 'certs');
  const seq = expectTag(readTlv(der, wrapper.contentStart, wrapper.contentEnd, 'certs'), TAG.SEQUENCE, 'certs');
  return readChildren(der, seq, 'certs').map((c, n) => {
    try {
      return parseCertificate(der.slice(c.start, c.contentEnd));
    } catch (e) {
      if (e instanceof X509Error)
        throw new X509Error('OCSP_MALFORMED', `malformed OCSP response: certs[${n}] at byte ${c.start}: ${e.message}`, { cause: e });
      throw e;
    }
  });
}
