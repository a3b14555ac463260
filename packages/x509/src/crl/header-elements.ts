import { DerError, UnsupportedAlgorithmError } from '../errors.js';
import { parseSignatureAlgorithm, type SignatureAlgorithm } from '../crypto/signature.js';
import { formatName } from '../der/name.js';
import { decodeOid } from '../der/oid.js';
import { readTimeMs } from '../der/time.js';
import { readSmallInteger, TAG, type Tlv } from '../der/tlv.js';
import { readCrlExtensions, type CrlExtensionsResult } from './crl-extensions.js';
import type { ProblemLog } from './problems.js';
import { Step, STEP_PATHS } from './steps.js';
import type { DistinguishedName } from './types.js';
import { copyBytes } from './copy-bytes.js';

/** The TBSCertList fields before revokedCertificates, and crlExtensions after them, as the scanner collects them. */
export interface HeaderFields {
  version: 1 | 2;
  signatureAlgorithm: { algorithm: SignatureAlgorithm; supported: boolean } | null;
  /** tbsCertList.signature, DER, to compare with the outer signatureAlgorithm */
  signatureDer: Uint8Array | null;
  issuer: DistinguishedName | null;
  thisUpdate: number | null;
  nextUpdate: number | null;
  extensions: CrlExtensionsResult | null;
}

export function createHeaderFields(): HeaderFields {
  return { version: 1, signatureAlgorithm: null, signatureDer: null, issuer: null, thisUpdate: null, nextUpdate: null, extensions: null };
}

function expect(tlv: Tlv, tag: number, what: string, path: string, base: number): void {
  if (tlv.tag !== tag) throw new DerError('DER_MALFORMED', `expected ${what}, found tag 0x${tlv.tag.toString(16)}`, base + tlv.start, path);
}

/**
 * Reads one whole TBSCertList element (held contiguously in `buf`, `base` = absolute offset of buf[0]) into `fields`.
 *
 * ```asn1
 * Version ::= INTEGER { v1(0), v2(1), v3(2) }
 * AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY DEFINED BY algorithm OPTIONAL }
 * Name ::= CHOICE { rdnSequence RDNSequence }
 * Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }
 * ```
 */
export function readHeaderElement(
  step: Step,
  buf: Uint8Array,
  tlv: Tlv,
  base: number,
  fields: HeaderFields,
  maxDepth: number,
  problems: ProblemLog,
): void {
  const path = STEP_PATHS[step];
  const at = base + tlv.start;
  switch (step) {
    case Step.VersionOrSignature: {
      // Version is only ever present as v2 (1); an explicit v1 (0) is tolerated as OpenSSL does.
      const v = readSmallInteger(buf, tlv, path, base);
      if (v > 1) throw new DerError('DER_MALFORMED', `CRL version ${v + 1} is not defined (v1 or v2)`, at, path);
      fields.version = v === 1 ? 2 : 1;
      return;
    }
    case Step.Signature: {
      expect(tlv, TAG.SEQUENCE, 'AlgorithmIdentifier SEQUENCE', path, base);
      const der = copyBytes(buf, tlv.start, tlv.contentEnd);
      fields.signatureDer = der;
      try {
        fields.signatureAlgorithm = { algorithm: parseSignatureAlgorithm(der, path, at), supported: true };
      } catch (e) {
        if (!(e instanceof UnsupportedAlgorithmError)) throw e;
        problems.add('UNSUPPORTED_ALGORITHM', e.message, at);
        fields.signatureAlgorithm = { algorithm: unsupportedAlgorithm(der, e), supported: false };
      }
      return;
    }
    case Step.Issuer:
      expect(tlv, TAG.SEQUENCE, 'Name SEQUENCE', path, base);
      fields.issuer = { der: copyBytes(buf, tlv.start, tlv.contentEnd), text: formatName(buf, tlv, path, base) };
      return;
    case Step.ThisUpdate:
      fields.thisUpdate = readTimeMs(buf, tlv.tag, tlv.contentStart, tlv.contentEnd, path, at);
      return;
    case Step.NextUpdateOrMore:
      fields.nextUpdate = readTimeMs(buf, tlv.tag, tlv.contentStart, tlv.contentEnd, path, at);
      return;
    case Step.CrlExtensions:
      expect(tlv, 0xa0, 'crlExtensions [0]', path, base);
      fields.extensions = readCrlExtensions(buf, tlv, base, maxDepth, problems);
      return;
    default:
      throw new DerError('DER_MALFORMED', `unexpected element with tag 0x${tlv.tag.toString(16)}`, at, path);
  }
}

/** For an algorithm this engine cannot verify: the OID only, with placeholder scheme and hash (see `signatureAlgorithmSupported`). */
function unsupportedAlgorithm(der: Uint8Array, e: UnsupportedAlgorithmError): SignatureAlgorithm {
  let oid = e.oid;
  if (der.length > 4 && der[0] === TAG.SEQUENCE && (der[1] as number) < 0x80 && der[2] === TAG.OID)
    oid = decodeOid(der, 4, Math.min(der.length, 4 + (der[3] as number)));
  return { oid, name: oid, scheme: 'rsa-pkcs1', hash: 'sha256' };
}
