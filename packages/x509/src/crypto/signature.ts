import { createPublicKey, createVerify, constants, type KeyObject, type Verify } from 'node:crypto';
import { UnsupportedAlgorithmError, DerError } from '../errors.js';
import { OID } from '../oids.js';
import { decodeOid } from '../der/oid.js';
import { createWorkerVerifier } from './worker-verifier.js';
import { readTlv, readChildren, readSingle, readSmallInteger, TAG, expectTag } from '../der/tlv.js';

export type HashName = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type SignatureScheme = 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa' | 'dsa';

/** A signature algorithm as Node's crypto verifies it. */
export interface SignatureAlgorithm {
  oid: string;
  /** OpenSSL's name, e.g. `sha256WithRSAEncryption`, `rsassaPss`, `ecdsa-with-SHA256`. */
  name: string;
  scheme: SignatureScheme;
  hash: HashName;
  /** RSASSA-PSS salt length in bytes. */
  saltLength?: number;
}

/** the digest algorithms by OID (a signature's hash, a CMS digestAlgorithm) */
export const HASH_BY_OID: Readonly<Record<string, HashName>> = {
  [OID.id_sha1]: 'sha1',
  [OID.id_sha224]: 'sha224',
  [OID.id_sha256]: 'sha256',
  [OID.id_sha384]: 'sha384',
  [OID.id_sha512]: 'sha512',
};

const SIMPLE: Readonly<Record<string, Omit<SignatureAlgorithm, 'oid'>>> = {
  [OID.sha1WithRSAEncryption]: { name: 'sha1WithRSAEncryption', scheme: 'rsa-pkcs1', hash: 'sha1' },
  [OID.sha224WithRSAEncryption]: { name: 'sha224WithRSAEncryption', scheme: 'rsa-pkcs1', hash: 'sha224' },
  [OID.sha256WithRSAEncryption]: { name: 'sha256WithRSAEncryption', scheme: 'rsa-pkcs1', hash: 'sha256' },
  [OID.sha384WithRSAEncryption]: { name: 'sha384WithRSAEncryption', scheme: 'rsa-pkcs1', hash: 'sha384' },
  [OID.sha512WithRSAEncryption]: { name: 'sha512WithRSAEncryption', scheme: 'rsa-pkcs1', hash: 'sha512' },
  [OID.ecdsa_with_SHA1]: { name: 'ecdsa-with-SHA1', scheme: 'ecdsa', hash: 'sha1' },
  [OID.ecdsa_with_SHA224]: { name: 'ecdsa-with-SHA224', scheme: 'ecdsa', hash: 'sha224' },
  [OID.ecdsa_with_SHA256]: { name: 'ecdsa-with-SHA256', scheme: 'ecdsa', hash: 'sha256' },
  [OID.ecdsa_with_SHA384]: { name: 'ecdsa-with-SHA384', scheme: 'ecdsa', hash: 'sha384' },
  [OID.ecdsa_with_SHA512]: { name: 'ecdsa-with-SHA512', scheme: 'ecdsa', hash: 'sha512' },
  [OID.id_dsa_with_sha1]: { name: 'dsaWithSHA1', scheme: 'dsa', hash: 'sha1' },
  [OID.dsa_with_sha256]: { name: 'dsa_with_SHA256', scheme: 'dsa', hash: 'sha256' },
};

/**
 * Reads an AlgorithmIdentifier (the whole DER element) as a signature algorithm.
 *
 * ```asn1
 * AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY DEFINED BY algorithm OPTIONAL }
 * RSASSA-PSS-params ::= SEQUENCE {
 *   hashAlgorithm    [0] HashAlgorithm    DEFAULT sha1,
 *   maskGenAlgorithm [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
 *   saltLength       [2] INTEGER          DEFAULT 20,
 *   trailerField     [3] TrailerField     DEFAULT trailerFieldBC }
 * ```
 */
export function parseSignatureAlgorithm(der: Uint8Array, path = 'signatureAlgorithm', base = 0): SignatureAlgorithm {
  const seq = expectTag(readSingle(der, path, base), TAG.SEQUENCE, path, base);
  const [oidTlv, params] = readChildren(der, seq, path, base);
  if (!oidTlv) throw new DerError('DER_MALFORMED', 'AlgorithmIdentifier without an algorithm', base + seq.start, path);
  expectTag(oidTlv, TAG.OID, `${path}.algorithm`, base);
  const oid = decodeOid(der, oidTlv.contentStart, oidTlv.contentEnd, `${path}.algorithm`, base);
  const simple = SIMPLE[oid];
  if (simple) return { oid, ...simple };
  if (oid !== OID.id_RSASSA_PSS) throw new UnsupportedAlgorithmError(oid);
  if (!params) throw new DerError('DER_MALFORMED', 'RSASSA-PSS without parameters', base + seq.start, `${path}.parameters`);
  const ppath = `${path}.parameters`;
  expectTag(params, TAG.SEQUENCE, ppath, base);
  let hash: HashName = 'sha1';
  let mgfHash: HashName = 'sha1';
  let saltLength = 20;
  for (const field of readChildren(der, params, ppath, base)) {
    const inner = readTlv(der, field.contentStart, field.contentEnd, ppath, base);
    if (field.tag === 0xa0) hash = hashOf(der, inner, `${ppath}.hashAlgorithm`, base);
    else if (field.tag === 0xa1) {
      const [mgfOid, mgfParams] = readChildren(der, inner, `${ppath}.maskGenAlgorithm`, base);
      if (!mgfOid || decodeOid(der, mgfOid.contentStart, mgfOid.contentEnd) !== OID.id_mgf1 || !mgfParams) {
        throw new UnsupportedAlgorithmError('RSASSA-PSS mask generation other than MGF1', 'mask generation function');
      }
      mgfHash = hashOf(der, mgfParams, `${ppath}.maskGenAlgorithm.parameters`, base);
    } else if (field.tag === 0xa2)
      saltLength = readSmallInteger(der, expectTag(inner, TAG.INTEGER, `${ppath}.saltLength`, base), `${ppath}.saltLength`, base);
    else if (field.tag === 0xa3) {
      if (readSmallInteger(der, inner, `${ppath}.trailerField`, base) !== 1)
        throw new UnsupportedAlgorithmError('RSASSA-PSS trailerField other than 1', 'trailer field');
    } else throw new DerError('DER_MALFORMED', `unexpected RSASSA-PSS field tag 0x${field.tag.toString(16)}`, base + field.start, ppath);
  }
  if (mgfHash !== hash) throw new UnsupportedAlgorithmError(`RSASSA-PSS with MGF1-${mgfHash} over ${hash}`, 'PSS parameter combination');
  return { oid, name: 'rsassaPss', scheme: 'rsa-pss', hash, saltLength };
}

function hashOf(
  der: Uint8Array,
  algId: { tag: number; start: number; contentStart: number; contentEnd: number },
  path: string,
  base: number,
): HashName {
  expectTag(algId, TAG.SEQUENCE, path, base);
  const [oidTlv] = readChildren(der, algId, path, base);
  if (!oidTlv) throw new DerError('DER_MALFORMED', 'empty hash AlgorithmIdentifier', base + algId.start, path);
  const oid = decodeOid(der, oidTlv.contentStart, oidTlv.contentEnd, path, base);
  const hash = HASH_BY_OID[oid];
  if (!hash) throw new UnsupportedAlgorithmError(oid, 'hash algorithm');
  return hash;
}

/** A SubjectPublicKeyInfo (DER) or PEM, as a Node KeyObject. */
export function importPublicKey(spki: Uint8Array | string | KeyObject): KeyObject {
  if (typeof spki === 'string') return createPublicKey(spki);
  if (!(spki instanceof Uint8Array)) return spki;
  return createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength), format: 'der', type: 'spki' });
}

/** Whether a key of this type can check a signature of this scheme (an EC key never "verifies" an RSA signature). */
function keyFits(alg: SignatureAlgorithm, key: KeyObject): boolean {
  const t = key.asymmetricKeyType;
  switch (alg.scheme) {
    case 'rsa-pkcs1':
      return t === 'rsa';
    case 'rsa-pss':
      return t === 'rsa' || t === 'rsa-pss';
    case 'ecdsa':
      return t === 'ec';
    case 'dsa':
      return t === 'dsa';
  }
}

/**
 * An incremental verifier: feed the signed bytes in pieces as they stream past, then check the signature once.
 * Uses OpenSSL through node:crypto, so hashing 185 MB of tbsCertList costs what SHA-256 costs.
 */
export interface SignatureVerifier {
  update(bytes: Uint8Array): void;
  /** `signature` is the BIT STRING's content without the unused-bits octet. */
  verify(signature: Uint8Array): boolean;
  /** the bytes will not be verified after all (the input failed): let go of what the verifier holds */
  close?(): void;
}

/**
 * `hashOnWorker`: hash on a thread of its own (worker-verifier.ts), for inputs large enough that the hash is worth a thread —
 * the verdict is the same.
 */
export function createSignatureVerifier(
  alg: SignatureAlgorithm,
  key: KeyObject,
  options: { hashOnWorker?: boolean } = {},
): SignatureVerifier {
  const fits = keyFits(alg, key);
  if (fits && options.hashOnWorker === true) return createWorkerVerifier(alg, key);
  const v: Verify = createVerify(alg.hash);
  return {
    update(bytes) {
      v.update(bytes);
    },
    verify(signature) {
      if (!fits) return false;
      const sig = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
      try {
        if (alg.scheme === 'rsa-pss') {
          return v.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? 20 }, sig);
        }
        return v.verify(key, sig);
      } catch {
        // A signature OpenSSL cannot even decode (wrong length, bad ECDSA DER) is simply not valid.
        return false;
      }
    },
  };
}

export function verifySignature(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const v = createSignatureVerifier(alg, key);
  v.update(data);
  return v.verify(signature);
}

/** The content of a BIT STRING holding a signature: the unused-bits octet must be 0. */
export function signatureBits(buf: Uint8Array, start: number, end: number, path = 'signatureValue', base = 0): Uint8Array {
  if (end <= start) throw new DerError('DER_MALFORMED', 'empty BIT STRING', base + start, path);
  if (buf[start] !== 0) throw new DerError('DER_MALFORMED', 'signature BIT STRING with unused bits', base + start, path);
  return buf.subarray(start + 1, end);
}
