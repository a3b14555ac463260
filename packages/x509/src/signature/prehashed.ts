/**
 * Signatures checked against a digest the caller computed (the document itself never reaches the service). node:crypto only
 * verifies over the data, hashing it itself, so each scheme is finished here from its definition:
 * - RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2): the RSA public operation with block-type-1 padding removed by OpenSSL (publicDecrypt),
 *   then the whole remainder compared byte for byte with the expected DigestInfo — never parsed, so no lax-DER forgery applies.
 *   This is exactly what the card computes: it signs a DigestInfo it is handed.
 * - RSASSA-PSS (RFC 8017 §9.1.2, EMSA-PSS-VERIFY): the raw RSA public operation (publicDecrypt without padding), then MGF1 and the
 *   salt recovered from the data block (any salt length, like OpenSSL's verifier: `-1`/auto).
 * - ECDSA: @noble/curves' verifier on the hash, with high-S signatures allowed (OpenSSL makes them half the time).
 * Everything here handles public data only, so no constant-time care is needed.
 */
import { constants, createHash, createPublicKey, publicDecrypt, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as nist from '@noble/curves/nist.js';
import type { RawAlgorithm, RawHash } from './algorithms.js';
import { readChildren, readSingle } from '../der/tlv.js';
import { SignatureInputError } from './errors.js';

/** DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier (with NULL parameters), digest OCTET STRING } — the DER prefix */
const DIGEST_INFO_PREFIX: Readonly<Record<RawHash, Buffer>> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

/** @noble/curves loads on the first ECDSA digest check, not with the package (CLI start-up) */
const load = createRequire(import.meta.url);
type Curves = { prime256v1: typeof nist.p256; secp384r1: typeof nist.p384; secp521r1: typeof nist.p521 };
let curves: Curves | null = null;
function CURVES(): Curves {
  if (curves === null) {
    const { p256, p384, p521 } = load('@noble/curves/nist.js') as typeof nist;
    curves = { prime256v1: p256, secp384r1: p384, secp521r1: p521 };
  }
  return curves;
}

function modulusBits(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined) throw new SignatureInputError('certificate', 'RSA key without a modulus length');
  return bits;
}

/**
 * OpenSSL refuses the raw RSA operation on an RSASSA-PSS key (SPKI algorithm id-RSASSA-PSS); the same modulus and exponent as a
 * plain RSA key do it. The PSS key's own restrictions (hash, minimum salt) are enforced by the callers (algorithms.ts, pss()).
 */
function rawRsaKey(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'rsa-pss') return key;
  const spki = key.export({ type: 'spki', format: 'der' });
  const [, bits] = readChildren(spki, readSingle(spki, 'subjectPublicKeyInfo'), 'subjectPublicKeyInfo');
  if (bits === undefined) throw new SignatureInputError('certificate', 'RSASSA-PSS key without a subjectPublicKey');
  const rsaPublicKey = spki.subarray(bits.contentStart + 1, bits.contentEnd);
  return createPublicKey({ key: rsaPublicKey, format: 'der', type: 'pkcs1' });
}

function rsaPublic(key: KeyObject, signature: Buffer, padding: number): Buffer | null {
  // RFC 8017 §8.2.2 step 1 / §8.1.2 step 1: a signature is exactly k octets long
  if (signature.length !== Math.ceil(modulusBits(key) / 8)) return null;
  try {
    return publicDecrypt({ key: rawRsaKey(key), padding }, signature);
  } catch {
    // not a valid type-1 block, or a value ≥ n
    return null;
  }
}

function pkcs1(key: KeyObject, hash: RawHash, digest: Buffer, signature: Buffer): boolean {
  const recovered = rsaPublic(key, signature, constants.RSA_PKCS1_PADDING);
  return recovered?.equals(Buffer.concat([DIGEST_INFO_PREFIX[hash], digest])) === true;
}

function mgf1(hash: RawHash, seed: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  for (let done = 0, i = 0; done < length; i++) {
    counter.writeUInt32BE(i);
    done += createHash(hash).update(seed).update(counter).digest().copy(out, done);
  }
  return out;
}

function pss(key: KeyObject, hash: RawHash, mHash: Buffer, signature: Buffer): boolean {
  const mgfHash = key.asymmetricKeyDetails?.mgf1HashAlgorithm?.replace('-', '').toLowerCase();
  if (mgfHash !== undefined && mgfHash !== hash)
    throw new SignatureInputError('digest', `the certificate's RSASSA-PSS key uses MGF1 with ${mgfHash}: send the data instead`);
  const modBits = modulusBits(key);
  const raw = rsaPublic(key, signature, constants.RSA_NO_PADDING);
  if (raw === null) return false;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  // the k-octet result holds EM right-aligned; when emLen < k the extra leading octet must be zero
  if (raw.length > emLen && raw.subarray(0, raw.length - emLen).some((b) => b !== 0)) return false;
  const em = raw.subarray(raw.length - emLen);
  const hLen = mHash.length;
  if (emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if (((maskedDb[0] as number) & ~topMask) !== 0) return false;
  const db = mgf1(hash, h, maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (maskedDb[i] as number);
  db[0] = (db[0] as number) & topMask;
  const one = db.findIndex((b) => b !== 0);
  if (one < 0 || db[one] !== 0x01) return false;
  const salt = db.subarray(one + 1);
  // an RSASSA-PSS key may set a minimum salt length (RFC 4055 §3.1); node:crypto enforces it over data, so here too
  if (salt.length < (key.asymmetricKeyDetails?.saltLength ?? 0)) return false;
  const hPrime = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return hPrime.equals(h);
}

function uncompressedPoint(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.y === undefined) throw new SignatureInputError('certificate', 'EC key without coordinates');
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
}

function ecdsa(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const curveName = key.asymmetricKeyDetails?.namedCurve ?? '';
  const curve = CURVES()[curveName as keyof Curves];
  if (curve === undefined) throw new SignatureInputError('certificate', `EC curve ${curveName || '(unnamed)'} is not supported`);
  const point = uncompressedPoint(key);
  const coordinate = (point.length - 1) / 2;
  const format = signature[0] === 0x30 && signature.length !== 2 * coordinate ? 'der' : 'compact';
  for (const f of format === 'der' ? (['der'] as const) : (['compact', 'der'] as const)) {
    try {
      if (curve.verify(signature, digest, point, { prehash: false, lowS: false, format: f })) return true;
    } catch {
      // not an encoding of (r, s) in this format
    }
  }
  return false;
}

/** Whether `signature` is the key's signature over the message whose `alg.hash` digest is `digest` (length already checked). */
export function verifyPrehashed(alg: RawAlgorithm, key: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  const d = Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
  const sig = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
  if (alg.scheme === 'rsa-pkcs1') return pkcs1(key, alg.hash, d, sig);
  if (alg.scheme === 'rsa-pss') return pss(key, alg.hash, d, sig);
  return ecdsa(key, d, sig);
}
