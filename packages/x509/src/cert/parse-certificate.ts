import type { KeyObject } from 'node:crypto';
import { DerError, UnsupportedAlgorithmError, X509Error } from '../errors.js';
import { OID } from '../oids.js';
import { decodeOid } from '../der/oid.js';
import { formatName } from '../der/name.js';
import { readTimeMs } from '../der/time.js';
import { readChildren, readSingle, readTlv, readBoolean, readSmallInteger, expectTag, TAG, type Tlv } from '../der/tlv.js';
import { formatSerial, serialFromDer } from '../serial.js';
import { importPublicKey, parseSignatureAlgorithm, type SignatureAlgorithm } from '../crypto/signature.js';
import { KNOWN_CERTIFICATE_EXTENSIONS, readExtensionFields } from './extensions.js';
import { decodePemOrBase64 } from './pem.js';
import type { CertificateExtension, DistinguishedName, ParsedCertificate } from './types.js';

/** Certificates are small; anything beyond this is not one (and would only cost memory). */
const MAX_CERTIFICATE_BYTES = 1 << 20;

/**
 * Parses one X.509 certificate from DER bytes, or from text holding a PEM `CERTIFICATE` block or bare base64 DER.
 * Strict DER (see der/tlv.ts). Any fault throws X509Error `CERT_MALFORMED` whose message names the field and byte offset; the
 * underlying DerError (with `offset` and `path`) is its `cause`.
 */
export function parseCertificate(input: Uint8Array | string): ParsedCertificate {
  // A private copy: every field below is a view into it, and the caller's buffer may be reused (or be a pooled Buffer).
  // DER always opens with a SEQUENCE tag (0x30); any other first byte means text — PEM or base64 read from a file as bytes.
  const text = typeof input === 'string' ? input : input[0] !== 0x30 ? Buffer.from(input).toString('latin1') : null;
  const der =
    text !== null || typeof input === 'string'
      ? decodePemOrBase64(text ?? String(input), ['CERTIFICATE', 'X509 CERTIFICATE'], 'CERT_MALFORMED')
      : new Uint8Array(input);
  if (der.length > MAX_CERTIFICATE_BYTES)
    throw new X509Error('CERT_MALFORMED', `malformed certificate: ${der.length} bytes is too large for a certificate`);
  try {
    return readCertificate(der);
  } catch (e) {
    if (e instanceof DerError) throw new X509Error('CERT_MALFORMED', `malformed certificate: ${e.message}`, { cause: e });
    throw e;
  }
}

function readCertificate(der: Uint8Array): ParsedCertificate {
  const cert = expectTag(readSingle(der, 'certificate'), TAG.SEQUENCE, 'certificate');
  const [tbsTlv, sigAlgTlv, sigValueTlv, extra] = readChildren(der, cert, 'certificate');
  if (!tbsTlv || !sigAlgTlv || !sigValueTlv || extra) {
    throw new DerError(
      'DER_MALFORMED',
      'Certificate must hold exactly tbsCertificate, signatureAlgorithm, signatureValue',
      cert.start,
      'certificate',
    );
  }
  expectTag(tbsTlv, TAG.SEQUENCE, 'certificate.tbsCertificate');
  expectTag(sigAlgTlv, TAG.SEQUENCE, 'certificate.signatureAlgorithm');
  expectTag(sigValueTlv, TAG.BIT_STRING, 'certificate.signatureValue');

  const fields = readChildren(der, tbsTlv, 'tbsCertificate');
  let i = 0;
  const next = (name: string): Tlv => {
    const f = fields[i++];
    if (!f) throw new DerError('DER_MALFORMED', `tbsCertificate ends before ${name}`, tbsTlv.contentEnd, `tbsCertificate.${name}`);
    return f;
  };

  let version: 1 | 2 | 3 = 1;
  if (fields[0]?.tag === 0xa0) {
    const wrapper = next('version');
    const v = readSmallInteger(
      der,
      expectTag(readTlv(der, wrapper.contentStart, wrapper.contentEnd, 'tbsCertificate.version'), TAG.INTEGER, 'tbsCertificate.version'),
      'tbsCertificate.version',
    );
    if (v > 2) throw new DerError('DER_MALFORMED', `unknown certificate version ${v + 1}`, wrapper.start, 'tbsCertificate.version');
    version = (v + 1) as 1 | 2 | 3;
  }
  const serialTlv = expectTag(next('serialNumber'), TAG.INTEGER, 'tbsCertificate.serialNumber');
  if (serialTlv.contentEnd === serialTlv.contentStart)
    throw new DerError('DER_MALFORMED', 'empty serialNumber', serialTlv.start, 'tbsCertificate.serialNumber');
  const serial = serialFromDer(der, serialTlv.contentStart, serialTlv.contentEnd);
  const tbsSigAlg = expectTag(next('signature'), TAG.SEQUENCE, 'tbsCertificate.signature');
  const issuer = readName(der, next('issuer'), 'tbsCertificate.issuer');
  const validity = expectTag(next('validity'), TAG.SEQUENCE, 'tbsCertificate.validity');
  const [nb, na] = readChildren(der, validity, 'tbsCertificate.validity');
  if (!nb || !na) throw new DerError('DER_MALFORMED', 'Validity needs notBefore and notAfter', validity.start, 'tbsCertificate.validity');
  const notBefore = new Date(readTimeMs(der, nb.tag, nb.contentStart, nb.contentEnd, 'tbsCertificate.validity.notBefore', nb.start));
  const notAfter = new Date(readTimeMs(der, na.tag, na.contentStart, na.contentEnd, 'tbsCertificate.validity.notAfter', na.start));
  const subject = readName(der, next('subject'), 'tbsCertificate.subject');
  const spkiTlv = expectTag(next('subjectPublicKeyInfo'), TAG.SEQUENCE, 'tbsCertificate.subjectPublicKeyInfo');
  const spki = der.slice(spkiTlv.start, spkiTlv.contentEnd);
  const { algorithmOid: publicKeyAlgorithmOid, hasParameters, subjectPublicKey } = readSpki(der, spkiTlv);

  let extensions: CertificateExtension[] = [];
  for (; i < fields.length; i++) {
    const f = fields[i] as Tlv;
    if (f.tag === 0x81 || f.tag === 0x82) continue; // issuerUniqueID / subjectUniqueID: obsolete, ignored
    if (f.tag !== 0xa3) throw new DerError('DER_MALFORMED', `unexpected field tag 0x${f.tag.toString(16)}`, f.start, 'tbsCertificate');
    if (version !== 3)
      throw new DerError('DER_MALFORMED', `extensions in a version ${version} certificate`, f.start, 'tbsCertificate.extensions');
    extensions = readExtensions(der, f);
  }

  const signatureAlgorithmDer = der.slice(sigAlgTlv.start, sigAlgTlv.contentEnd);
  // RFC 5280 §4.1.1.2: the same algorithm identifier as tbsCertificate.signature. The outer one is not signed, so a certificate
  // where they differ says one thing and was signed as another: not a certificate this engine reads.
  if (Buffer.compare(signatureAlgorithmDer, der.subarray(tbsSigAlg.start, tbsSigAlg.contentEnd)) !== 0)
    throw new DerError(
      'DER_MALFORMED',
      'signatureAlgorithm differs from tbsCertificate.signature',
      sigAlgTlv.start,
      'certificate.signatureAlgorithm',
    );
  const { algorithm: signatureAlgorithm, oid: signatureAlgorithmOid } = readSignatureAlgorithm(der, sigAlgTlv);
  const { publicKey, publicKeyError } =
    publicKeyAlgorithmOid === OID.id_dsa && !hasParameters
      ? { publicKey: null, publicKeyError: 'DSA key without domain parameters: they are inherited from the issuer (RFC 3279 §2.3.2)' }
      : tryImportKey(spki);

  const extensionFields = readExtensionFields(extensions);

  return {
    der,
    tbs: der.subarray(tbsTlv.start, tbsTlv.contentEnd),
    version,
    serial,
    serialHex: formatSerial(serial),
    signatureAlgorithm,
    signatureAlgorithmOid,
    signatureAlgorithmDer,
    ...readSignatureValue(der, sigValueTlv),
    issuer,
    subject,
    notBefore,
    notAfter,
    spki,
    publicKeyAlgorithmOid,
    subjectPublicKey,
    publicKey,
    publicKeyError,
    ...extensionFields,
    extensions,
    selfIssued: Buffer.compare(issuer.der, subject.der) === 0,
  };
}

function readName(der: Uint8Array, tlv: Tlv, path: string): DistinguishedName {
  return { der: der.slice(tlv.start, tlv.contentEnd), text: formatName(der, expectTag(tlv, TAG.SEQUENCE, path), path) };
}

/** `SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }` */
function readSpki(der: Uint8Array, spki: Tlv): { algorithmOid: string; hasParameters: boolean; subjectPublicKey: Uint8Array } {
  const path = 'tbsCertificate.subjectPublicKeyInfo';
  const [alg, key] = readChildren(der, spki, path);
  if (!alg || !key) throw new DerError('DER_MALFORMED', 'SubjectPublicKeyInfo needs algorithm and subjectPublicKey', spki.start, path);
  const [oid, params] = readChildren(der, expectTag(alg, TAG.SEQUENCE, `${path}.algorithm`), `${path}.algorithm`);
  if (!oid) throw new DerError('DER_MALFORMED', 'empty AlgorithmIdentifier', alg.start, `${path}.algorithm`);
  expectTag(oid, TAG.OID, `${path}.algorithm.algorithm`);
  expectTag(key, TAG.BIT_STRING, `${path}.subjectPublicKey`);
  return {
    algorithmOid: decodeOid(der, oid.contentStart, oid.contentEnd, `${path}.algorithm.algorithm`),
    hasParameters: params !== undefined && params.tag !== TAG.NULL,
    subjectPublicKey: der.slice(key.contentStart, key.contentEnd).subarray(1),
  };
}

/** The outer signature algorithm; one node:crypto cannot verify is reported as null (the certificate is still readable). */
function readSignatureAlgorithm(der: Uint8Array, tlv: Tlv): { algorithm: SignatureAlgorithm | null; oid: string } {
  const [oidTlv] = readChildren(der, tlv, 'certificate.signatureAlgorithm');
  if (!oidTlv) throw new DerError('DER_MALFORMED', 'empty AlgorithmIdentifier', tlv.start, 'certificate.signatureAlgorithm');
  const oid = decodeOid(der, expectTag(oidTlv, TAG.OID, 'certificate.signatureAlgorithm.algorithm').contentStart, oidTlv.contentEnd);
  try {
    return {
      algorithm: parseSignatureAlgorithm(der.subarray(tlv.start, tlv.contentEnd), 'certificate.signatureAlgorithm', tlv.start),
      oid,
    };
  } catch (e) {
    if (e instanceof UnsupportedAlgorithmError) return { algorithm: null, oid };
    throw e;
  }
}

/**
 * signatureValue's bits. Signatures of every supported scheme are whole octets, so unused bits mean a broken signature (PKITS
 * BadSigned*), not an unreadable certificate: they are kept in `signatureUnusedBits` and the signature never verifies.
 */
function readSignatureValue(der: Uint8Array, tlv: Tlv): { signatureValue: Uint8Array; signatureUnusedBits: number } {
  if (tlv.contentEnd <= tlv.contentStart) throw new DerError('DER_MALFORMED', 'empty BIT STRING', tlv.start, 'certificate.signatureValue');
  const unused = der[tlv.contentStart] as number;
  if (unused > 7)
    throw new DerError('DER_MALFORMED', `BIT STRING with ${unused} unused bits`, tlv.contentStart, 'certificate.signatureValue');
  return { signatureValue: der.subarray(tlv.contentStart + 1, tlv.contentEnd), signatureUnusedBits: unused };
}

function tryImportKey(spki: Uint8Array): { publicKey: KeyObject | null; publicKeyError: string | null } {
  try {
    return { publicKey: importPublicKey(spki), publicKeyError: null };
  } catch (e) {
    // e.g. a DSA key whose domain parameters are inherited from the issuer (RFC 3279 §2.3.2): usable only by a path validator.
    return { publicKey: null, publicKeyError: `node:crypto cannot import the key: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * ```asn1
 * Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
 * Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 * ```
 * `wrapper` is the `[3] EXPLICIT` element. A repeated extension is malformed (RFC 5280 §4.2).
 */
export function readExtensions(
  der: Uint8Array,
  wrapper: Tlv,
  path = 'tbsCertificate.extensions',
  known: ReadonlySet<string> = KNOWN_CERTIFICATE_EXTENSIONS,
): CertificateExtension[] {
  const seq = expectTag(readTlv(der, wrapper.contentStart, wrapper.contentEnd, path), TAG.SEQUENCE, path);
  if (seq.contentEnd !== wrapper.contentEnd) throw new DerError('DER_TRAILING_DATA', 'bytes after Extensions', seq.contentEnd, path);
  const seen = new Set<string>();
  return readChildren(der, seq, path).map((ext, n) => {
    const p = `${path}[${n}]`;
    const parts = readChildren(der, expectTag(ext, TAG.SEQUENCE, p), p);
    const [idTlv, second, third] = parts;
    if (!idTlv || !second || parts.length > 3)
      throw new DerError('DER_MALFORMED', 'Extension must be extnID, [critical], extnValue', ext.start, p);
    const oid = decodeOid(der, expectTag(idTlv, TAG.OID, `${p}.extnID`).contentStart, idTlv.contentEnd, `${p}.extnID`);
    if (seen.has(oid)) throw new DerError('DER_MALFORMED', `extension ${oid} appears twice`, ext.start, p);
    seen.add(oid);
    let critical = false;
    let valueTlv = second;
    if (third) {
      // An explicit FALSE is not DER (DEFAULT values are omitted) but common in the wild and harmless: the signature covers it.
      critical = readBoolean(der, second, `${p}.critical`);
      valueTlv = third;
    }
    expectTag(valueTlv, TAG.OCTET_STRING, `${p}.extnValue`);
    return { oid, critical, value: der.slice(valueTlv.contentStart, valueTlv.contentEnd), known: known.has(oid) };
  });
}
