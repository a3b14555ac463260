/**
 * The checks RFC 5652 §5.4–5.6 asks of a SignedData signer, each reported on its own so a caller sees which failed:
 * - with signed attributes: contentType present and equal to eContentType; messageDigest present and equal to the digest of the
 *   content (or to the digest the caller computed of a detached document); the signature over the DER SET OF the attributes;
 * - without: eContentType must be id-data and the signature covers the content itself.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { verifySignature, type HashName } from '../crypto/signature.js';
import { CMS_OID, type CmsSignedMessage } from './cms.js';
import { SignatureInputError } from './errors.js';

export type CmsContentInput = { data: Uint8Array; digest?: undefined } | { digest: Uint8Array; data?: undefined } | null;

export interface CmsCheck {
  valid: boolean;
  /** eContentType (id-data `1.2.840.113549.1.7.1` for `openssl cms -sign`) */
  contentType: string;
  detached: boolean;
  digestAlgorithm: HashName;
  /** e.g. `sha256WithRSAEncryption`, `rsassaPss`, `ecdsa-with-SHA256` */
  signatureAlgorithm: string;
  /** the signingTime attribute: the signer's own claim, not a trusted time */
  signingTime: Date | null;
  checks: {
    signedAttributes: boolean;
    contentType: 'match' | 'mismatch' | 'absent' | 'not_applicable';
    messageDigest: 'match' | 'mismatch' | 'absent' | 'not_applicable';
    signature: 'valid' | 'invalid';
  };
}

const DIGEST_BYTES: Readonly<Record<HashName, number>> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

/**
 * Checks the message's one signer with `key` (the signer certificate's). `detached` is the content when the message carries none;
 * it must be absent when the message carries it. Throws SignatureInputError naming `data`/`digest` for content that cannot be
 * used; returns `valid: false` for every check that fails.
 */
export function verifyCmsSigner(message: CmsSignedMessage, key: KeyObject, detached: CmsContentInput): CmsCheck {
  const { signer } = message;
  if (message.content !== null && detached !== null)
    throw new SignatureInputError(detached.data !== undefined ? 'data' : 'digest', 'the CMS message carries its content; send it alone');
  if (message.content === null && detached === null)
    throw new SignatureInputError('data', 'the CMS signature is detached: send the signed document (data) or its digest');
  const base = {
    contentType: message.eContentType,
    detached: message.content === null,
    digestAlgorithm: signer.digestAlgorithm,
    signatureAlgorithm: signer.signatureAlgorithm.name,
    signingTime: signer.signedAttrs?.signingTime ?? null,
  };
  const content = message.content ?? detached?.data ?? null;
  const attrs = signer.signedAttrs;
  if (attrs === null) {
    if (content === null) throw new SignatureInputError('digest', 'this CMS signature has no signed attributes: send the data itself');
    const signature = verifySignature(signer.signatureAlgorithm, key, content, signer.signature) ? 'valid' : 'invalid';
    const idData = message.eContentType === CMS_OID.id_data;
    return {
      ...base,
      // §5.3: without signed attributes the content type must be id-data
      valid: signature === 'valid' && idData,
      checks: { signedAttributes: false, contentType: idData ? 'not_applicable' : 'mismatch', messageDigest: 'not_applicable', signature },
    };
  }
  let digest: Uint8Array;
  if (content !== null) digest = createHash(signer.digestAlgorithm).update(content).digest();
  else {
    digest = detached?.digest ?? new Uint8Array(0);
    const want = DIGEST_BYTES[signer.digestAlgorithm];
    if (digest.length !== want)
      throw new SignatureInputError('digest', `${digest.length} bytes; the CMS digestAlgorithm ${signer.digestAlgorithm} gives ${want}`);
  }
  const contentType = attrs.contentType === null ? 'absent' : attrs.contentType === message.eContentType ? 'match' : 'mismatch';
  const messageDigest =
    attrs.messageDigest === null ? 'absent' : Buffer.from(attrs.messageDigest).equals(Buffer.from(digest)) ? 'match' : 'mismatch';
  const signature = verifySignature(signer.signatureAlgorithm, key, attrs.der, signer.signature) ? 'valid' : 'invalid';
  return {
    ...base,
    valid: contentType === 'match' && messageDigest === 'match' && signature === 'valid',
    checks: { signedAttributes: true, contentType, messageDigest, signature },
  };
}
