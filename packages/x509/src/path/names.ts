import type { DistinguishedName } from '../crl/types.js';

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * RFC 5280 §7.1 name matching, simplified: equal DER, or equal RFC 4514 text (which forgives a PrintableString/UTF8String
 * difference in the same characters, the one re-encoding real CAs do). Case folding is deliberately not done: JPKI and PKITS §4.4,
 * 4.14 and 4.15 never need it, and a looser match only widens which CRLs and issuers are tried.
 */
export function namesEqual(a: DistinguishedName, b: DistinguishedName): boolean {
  return bytesEqual(a.der, b.der) || a.text === b.text;
}
