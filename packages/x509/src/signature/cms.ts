/**
 * CMS SignedData (RFC 5652) as `openssl cms -sign` makes it, attached or detached, read with pkijs/asn1js and checked here with
 * node:crypto. pkijs's own `SignedData.verify` is not used for the verdict: it does not compare the contentType attribute with
 * eContentType (§5.6 requires it), matches a subjectKeyIdentifier signer by the SHA-1 of the key instead of the certificate's
 * extension, and reports a wrong message digest and a malformed message with the same error code — where this service must tell
 * "the signature is invalid" (a 200 verdict) from "this is not a CMS message" (a 400).
 *
 * ```asn1
 * ContentInfo ::= SEQUENCE { contentType ContentType, content [0] EXPLICIT ANY DEFINED BY contentType }
 * SignedData ::= SEQUENCE { version CMSVersion, digestAlgorithms DigestAlgorithmIdentifiers,
 *   encapContentInfo EncapsulatedContentInfo, certificates [0] IMPLICIT CertificateSet OPTIONAL,
 *   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL, signerInfos SignerInfos }
 * EncapsulatedContentInfo ::= SEQUENCE { eContentType ContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL }
 * SignerInfo ::= SEQUENCE { version CMSVersion, sid SignerIdentifier, digestAlgorithm DigestAlgorithmIdentifier,
 *   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL, signatureAlgorithm SignatureAlgorithmIdentifier,
 *   signature SignatureValue, unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
 * SignerIdentifier ::= CHOICE { issuerAndSerialNumber IssuerAndSerialNumber, subjectKeyIdentifier [0] SubjectKeyIdentifier }
 * ```
 */
import { createRequire } from 'node:module';
import type * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { parseCertificate } from '../cert/parse-certificate.js';
import { decodePemOrBase64 } from '../cert/pem.js';
import type { ParsedCertificate } from '../cert/types.js';
import { HASH_BY_OID, parseSignatureAlgorithm, type HashName, type SignatureAlgorithm } from '../crypto/signature.js';
import { UnsupportedAlgorithmError, X509Error } from '../errors.js';
import { OID } from '../oids.js';
import { serialFromDer } from '../serial.js';
import { SignatureInputError } from './errors.js';

/**
 * pkijs and asn1js load on the first CMS message, not with the package: every CLI command imports this package, and these two
 * cost ~0.1 s of start-up that only `verify --cms` needs (require() of the same files each time: one module instance).
 */
const load = createRequire(import.meta.url);
let asn1Module: typeof asn1js | null = null;
let pkiModule: typeof pkijs | null = null;
const asn1 = (): typeof asn1js => (asn1Module ??= load('asn1js') as typeof asn1js);
const pki = (): typeof pkijs => (pkiModule ??= load('pkijs') as typeof pkijs);

export const CMS_OID = {
  id_signedData: '1.2.840.113549.1.7.2',
  id_data: '1.2.840.113549.1.7.1',
  id_contentType: '1.2.840.113549.1.9.3',
  id_messageDigest: '1.2.840.113549.1.9.4',
  id_signingTime: '1.2.840.113549.1.9.5',
} as const;

/** What the signed attributes say (RFC 5652 §11); each at most once, single-valued. */
export interface CmsSignedAttributes {
  /** the SET OF Attribute re-tagged as SET (0x31): the bytes the signature covers (§5.4) */
  der: Uint8Array;
  contentType: string | null;
  messageDigest: Uint8Array | null;
  signingTime: Date | null;
}

/** One SignedData with its one signer, structurally read; nothing checked yet. */
export interface CmsSignedMessage {
  eContentType: string;
  /** the encapsulated content; null for a detached signature */
  content: Uint8Array | null;
  /** every certificate the message carries, parsed from their own bytes */
  certificates: ParsedCertificate[];
  signer: {
    /** `issuerAndSerialNumber` or `subjectKeyIdentifier` */
    by: 'issuerAndSerialNumber' | 'subjectKeyIdentifier';
    matches(cert: ParsedCertificate): boolean;
    digestAlgorithm: HashName;
    signatureAlgorithm: SignatureAlgorithm;
    signedAttrs: CmsSignedAttributes | null;
    signature: Uint8Array;
  };
}

const malformed = (message: string, cause?: unknown): SignatureInputError =>
  new SignatureInputError('cms', message, { code: 'CMS_MALFORMED', ...(cause === undefined ? {} : { cause }) });

const bytesOf = (buf: ArrayBuffer | Uint8Array): Uint8Array => (buf instanceof Uint8Array ? buf : new Uint8Array(buf));

/** an OCTET STRING's content, primitive or constructed (BER, as streaming signers write it), concatenated */
function octets(block: asn1js.AsnType): Uint8Array {
  if (!(block instanceof asn1().OctetString)) throw malformed('eContent is not an OCTET STRING');
  if (!block.idBlock.isConstructed) return block.valueBlock.valueHexView.slice();
  return Buffer.concat(block.valueBlock.value.map((inner) => octets(inner)));
}

/** A CMS message as sent: DER bytes, or text holding PEM (`CMS` or `PKCS7`, what `openssl cms -outform PEM` writes) or bare base64. */
export function readCmsInput(input: Uint8Array | string): CmsSignedMessage {
  if (typeof input !== 'string' && input[0] === 0x30) return readCmsSignedData(input);
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  let der: Uint8Array;
  try {
    der = decodePemOrBase64(text, ['CMS', 'PKCS7'], 'CMS_MALFORMED');
  } catch (e) {
    if (e instanceof X509Error) throw malformed(e.message.replace(/^PEM /, 'PEM '), e);
    throw e;
  }
  return readCmsSignedData(der);
}

/** Reads the DER (or BER) of a ContentInfo holding SignedData with exactly one SignerInfo. Throws SignatureInputError (`cms`). */
export function readCmsSignedData(der: Uint8Array): CmsSignedMessage {
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1().fromBER(der);
  } catch (e) {
    // whatever the decoder throws on hostile input is the input's fault, not ours (asn1js also caps the nesting depth itself)
    throw malformed(`cannot decode (${e instanceof Error ? e.message : String(e)})`, e);
  }
  if (parsed.offset === -1) throw malformed(`not BER/DER: ${parsed.result.error || 'cannot decode'}`);
  if (parsed.offset !== der.length) throw malformed(`${der.length - parsed.offset} bytes after the ContentInfo`);
  let contentInfo: pkijs.ContentInfo;
  let signedData: pkijs.SignedData;
  try {
    contentInfo = new (pki().ContentInfo)({ schema: parsed.result });
  } catch (e) {
    throw malformed('not a CMS ContentInfo', e);
  }
  if (contentInfo.contentType !== CMS_OID.id_signedData) throw malformed(`contentType ${contentInfo.contentType} is not signedData`);
  try {
    signedData = new (pki().SignedData)({ schema: contentInfo.content });
  } catch (e) {
    throw malformed(`not a SignedData: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (signedData.signerInfos.length !== 1) throw malformed(`${signedData.signerInfos.length} signers; exactly one is expected`);
  const signerInfo = signedData.signerInfos[0] as pkijs.SignerInfo;

  const eContent = signedData.encapContentInfo.eContent;
  return {
    eContentType: signedData.encapContentInfo.eContentType,
    content: eContent === undefined ? null : octets(eContent),
    certificates: certificatesOf(contentInfo.content as asn1js.Sequence),
    signer: {
      by: signerInfo.sid instanceof pki().IssuerAndSerialNumber ? 'issuerAndSerialNumber' : 'subjectKeyIdentifier',
      matches: signerMatcher(signerInfo.sid),
      digestAlgorithm: hashOf(signerInfo.digestAlgorithm.algorithmId),
      signatureAlgorithm: signatureAlgorithmOf(signerInfo),
      signedAttrs: signerInfo.signedAttrs === undefined ? null : signedAttributes(signerInfo.signedAttrs),
      signature: signerInfo.signature.valueBlock.valueHexView.slice(),
    },
  };
}

/** certificates [0] IMPLICIT CertificateSet, each certificate from its own bytes (a re-encoding could differ from what was signed) */
function certificatesOf(signedDataSchema: asn1js.Sequence): ParsedCertificate[] {
  const set = signedDataSchema.valueBlock.value.find((b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 0);
  if (set === undefined || !(set instanceof asn1().Constructed)) return [];
  const out: ParsedCertificate[] = [];
  set.valueBlock.value.forEach((choice, i) => {
    // CertificateChoices: only `certificate` (a plain SEQUENCE) is an X.509 certificate; attribute and other certificates are skipped
    if (choice.idBlock.tagClass !== 1 || choice.idBlock.tagNumber !== 16) return;
    try {
      out.push(parseCertificate(choice.valueBeforeDecodeView.slice()));
    } catch (e) {
      if (e instanceof X509Error) throw malformed(`certificates[${i}]: ${e.message}`, e);
      throw e;
    }
  });
  return out;
}

function signerMatcher(sid: unknown): (cert: ParsedCertificate) => boolean {
  if (sid instanceof pki().IssuerAndSerialNumber) {
    const issuer = bytesOf(sid.issuer.valueBeforeDecode);
    const serialBytes = sid.serialNumber.valueBlock.valueHexView;
    const serial = serialFromDer(serialBytes, 0, serialBytes.length);
    return (cert) => cert.serial === serial && Buffer.compare(cert.issuer.der, issuer) === 0;
  }
  // subjectKeyIdentifier [0] IMPLICIT OCTET STRING: compared with the certificate's subjectKeyIdentifier extension (§5.3)
  const block = sid as asn1js.BaseBlock & { valueBlock: { valueHexView?: Uint8Array; value?: asn1js.BaseBlock[] } };
  const keyId =
    block.idBlock.isConstructed && block.valueBlock.value?.[0] !== undefined
      ? (block.valueBlock.value[0] as asn1js.OctetString).valueBlock.valueHexView
      : block.valueBlock.valueHexView;
  if (keyId === undefined || keyId.length === 0) throw malformed('signerInfos[0].sid: empty subjectKeyIdentifier');
  const want = Buffer.from(keyId);
  return (cert) => cert.subjectKeyIdentifier !== null && want.equals(cert.subjectKeyIdentifier);
}

function hashOf(oid: string): HashName {
  const hash = HASH_BY_OID[oid];
  if (hash === undefined) throw new SignatureInputError('cms', `unsupported digestAlgorithm ${oid}`);
  return hash;
}

/**
 * The SignerInfo's signatureAlgorithm. OpenSSL writes `rsaEncryption` (and some signers `id-ecPublicKey`) with the hash given by
 * digestAlgorithm (RFC 3370 §3.2); full signature algorithm identifiers (sha256WithRSAEncryption, RSASSA-PSS, ecdsa-with-SHA256)
 * carry their own hash.
 */
function signatureAlgorithmOf(signerInfo: pkijs.SignerInfo): SignatureAlgorithm {
  const oid = signerInfo.signatureAlgorithm.algorithmId;
  const hash = hashOf(signerInfo.digestAlgorithm.algorithmId);
  if (oid === OID.rsaEncryption) return { oid, name: `${hash}WithRSAEncryption`, scheme: 'rsa-pkcs1', hash };
  if (oid === OID.id_ecPublicKey) return { oid, name: `ecdsa-with-${hash.toUpperCase()}`, scheme: 'ecdsa', hash };
  try {
    return parseSignatureAlgorithm(new Uint8Array(signerInfo.signatureAlgorithm.toSchema().toBER()), 'signerInfos[0].signatureAlgorithm');
  } catch (e) {
    if (e instanceof UnsupportedAlgorithmError) throw new SignatureInputError('cms', e.message, { cause: e });
    if (e instanceof X509Error) throw malformed(e.message, e);
    throw e;
  }
}

function signedAttributes(attrs: pkijs.SignedAndUnsignedAttributes): CmsSignedAttributes {
  const single = (type: string, name: string): asn1js.AsnType | null => {
    const found = attrs.attributes.filter((a) => a.type === type);
    if (found.length === 0) return null;
    if (found.length > 1) throw malformed(`signedAttrs holds ${name} ${found.length} times`);
    const values = (found[0] as pkijs.Attribute).values;
    if (values.length !== 1) throw malformed(`signedAttrs ${name} has ${values.length} values; exactly one is allowed`);
    return values[0] as asn1js.AsnType;
  };
  const contentType = single(CMS_OID.id_contentType, 'contentType');
  if (contentType !== null && !(contentType instanceof asn1().ObjectIdentifier)) throw malformed('contentType is not an OBJECT IDENTIFIER');
  const digest = single(CMS_OID.id_messageDigest, 'messageDigest');
  if (digest !== null && !(digest instanceof asn1().OctetString)) throw malformed('messageDigest is not an OCTET STRING');
  const time = single(CMS_OID.id_signingTime, 'signingTime');
  let signingTime: Date | null = null;
  if (time !== null) {
    if (!(time instanceof asn1().UTCTime || time instanceof asn1().GeneralizedTime)) throw malformed('signingTime is not a Time');
    signingTime = time.toDate();
    if (Number.isNaN(signingTime.getTime())) throw malformed('signingTime does not read as a time');
  }
  return {
    der: bytesOf(attrs.encodedValue).slice(),
    contentType: contentType === null ? null : contentType.valueBlock.toString(),
    messageDigest: digest === null ? null : digest.valueBlock.valueHexView.slice(),
    signingTime,
  };
}
