/**
 * The signature schemes a signer's certificate key can check, named the way callers ask for them: `rsa-pkcs1-sha256` (what a
 * My Number Card produces), `rsa-pss-sha256`, `ecdsa-sha256`, each also with sha384 and sha512. Without a name the scheme follows
 * from the key: RSA → PKCS#1 v1.5, an RSASSA-PSS key → PSS, EC → ECDSA; the hash is SHA-256, or the curve's own size for EC
 * (P-384 → SHA-384, P-521 → SHA-512).
 */
import type { KeyObject } from 'node:crypto';
import { SignatureInputError } from './errors.js';

export type RawHash = 'sha256' | 'sha384' | 'sha512';
export type RawScheme = 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa';

export interface RawAlgorithm {
  scheme: RawScheme;
  hash: RawHash;
  /** the request name, e.g. `rsa-pkcs1-sha256` */
  name: string;
}

export const RAW_ALGORITHM_NAMES = [
  'rsa-pkcs1-sha256',
  'rsa-pkcs1-sha384',
  'rsa-pkcs1-sha512',
  'rsa-pss-sha256',
  'rsa-pss-sha384',
  'rsa-pss-sha512',
  'ecdsa-sha256',
  'ecdsa-sha384',
  'ecdsa-sha512',
] as const;

export type RawAlgorithmName = (typeof RAW_ALGORITHM_NAMES)[number];

export const HASH_BYTES: Readonly<Record<RawHash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

const CURVE_HASH: Readonly<Record<string, RawHash>> = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' };

/** the hash an RSASSA-PSS key is restricted to (its SPKI parameters), when it is one this module names */
function pssKeyHash(key: KeyObject): RawHash | null {
  if (key.asymmetricKeyType !== 'rsa-pss') return null;
  const hash = key.asymmetricKeyDetails?.hashAlgorithm?.replace('-', '').toLowerCase();
  if (hash === undefined) return null;
  if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512')
    throw new SignatureInputError('certificate', `its RSASSA-PSS key is restricted to ${hash}, which is not supported`);
  return hash;
}

function parseName(name: string): RawAlgorithm {
  const m = /^(rsa-pkcs1|rsa-pss|ecdsa)-(sha256|sha384|sha512)$/.exec(name);
  if (!m) throw new SignatureInputError('algorithm', `unknown algorithm; expected one of ${RAW_ALGORITHM_NAMES.join(', ')}`);
  return { scheme: m[1] as RawScheme, hash: m[2] as RawHash, name };
}

/** The scheme a key signs with: the requested one when it fits the key, else the key's default. */
export function algorithmForKey(key: KeyObject, requested?: string): RawAlgorithm {
  const type = key.asymmetricKeyType;
  if (requested !== undefined) {
    const alg = parseName(requested);
    const fits = alg.scheme === 'ecdsa' ? type === 'ec' : alg.scheme === 'rsa-pss' ? type === 'rsa' || type === 'rsa-pss' : type === 'rsa';
    if (!fits) throw new SignatureInputError('algorithm', `${alg.name} does not fit the certificate's ${type ?? 'unknown'} key`);
    const pinned = pssKeyHash(key);
    if (pinned !== null && pinned !== alg.hash)
      throw new SignatureInputError('algorithm', `the certificate's RSASSA-PSS key allows only ${pinned}, not ${alg.hash}`);
    return alg;
  }
  if (type === 'rsa') return parseName('rsa-pkcs1-sha256');
  if (type === 'rsa-pss') return parseName(`rsa-pss-${pssKeyHash(key) ?? 'sha256'}`);
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const hash = CURVE_HASH[curve];
    if (hash === undefined) throw new SignatureInputError('certificate', `EC curve ${curve || '(unnamed)'} is not supported`);
    return parseName(`ecdsa-${hash}`);
  }
  throw new SignatureInputError('certificate', `a ${type ?? 'unknown'} key cannot be checked (RSA and EC keys can)`);
}
