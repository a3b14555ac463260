/**
 * One signature over some data, or over the digest of it, checked with the signer certificate's key: what the digital
 * authentication app hands a service (a PKCS#1 v1.5 SHA-256 signature from the card), and PSS or ECDSA signatures for completeness.
 * A signature that does not verify is `false`, never an error; a request that cannot be judged (a digest of the wrong length, an
 * algorithm that does not fit the key) throws SignatureInputError naming the field.
 */
import { constants, verify, type KeyObject } from 'node:crypto';
import { algorithmForKey, HASH_BYTES, type RawAlgorithm } from './algorithms.js';
import { SignatureInputError } from './errors.js';
import { verifyPrehashed } from './prehashed.js';

export type SignedInput = { data: Uint8Array; digest?: undefined } | { digest: Uint8Array; data?: undefined };

export interface RawSignatureCheck {
  valid: boolean;
  algorithm: RawAlgorithm;
}

/** ECDSA signatures arrive DER-encoded (OpenSSL, the card libraries) or as r‖s (WebCrypto); both are read. */
function verifyEcdsaData(alg: RawAlgorithm, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  const p1363 = signature[0] !== 0x30;
  for (const dsaEncoding of p1363 ? (['ieee-p1363'] as const) : (['der', 'ieee-p1363'] as const)) {
    try {
      if (verify(alg.hash, data, { key, dsaEncoding }, signature)) return true;
    } catch {
      // not an encoding of (r, s) in this form
    }
  }
  return false;
}

function verifyData(alg: RawAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const d = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const sig = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
  if (alg.scheme === 'ecdsa') return verifyEcdsaData(alg, key, d, sig);
  try {
    if (alg.scheme === 'rsa-pss')
      return verify(alg.hash, d, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
    return verify(alg.hash, d, key, sig);
  } catch {
    // a signature OpenSSL cannot even decode (wrong length) is simply not valid
    return false;
  }
}

/** Checks one signature; `algorithm` (a RAW_ALGORITHM_NAMES name) overrides the key's default scheme. */
export function verifyRawSignature(key: KeyObject, input: SignedInput, signature: Uint8Array, algorithm?: string): RawSignatureCheck {
  const alg = algorithmForKey(key, algorithm);
  if (signature.length === 0) throw new SignatureInputError('signature', 'empty');
  if (input.digest !== undefined) {
    const want = HASH_BYTES[alg.hash];
    if (input.digest.length !== want)
      throw new SignatureInputError(
        'digest',
        `${input.digest.length} bytes; a ${alg.hash} digest is ${want} bytes (algorithm ${alg.name})`,
      );
    return { valid: verifyPrehashed(alg, key, input.digest, signature), algorithm: alg };
  }
  return { valid: verifyData(alg, key, input.data, signature), algorithm: alg };
}
