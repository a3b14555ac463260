import type { KeyObject } from 'node:crypto';
import { UnsupportedAlgorithmError } from '../errors.js';
import { OID } from '../oids.js';
import { verifyCertificateSignature } from '../cert/verify.js';
import type { ParsedCertificate } from '../cert/types.js';

export type JpkiKind = 'sign' | 'auth' | 'other';

export interface JpkiKindOptions {
  /** keys of the configured JPKI signature CAs (every generation) */
  signCaKeys?: readonly KeyObject[];
  /** keys of the configured JPKI user-authentication CAs (every generation) */
  authCaKeys?: readonly KeyObject[];
}

/**
 * What a certificate is under the JPKI profile: `sign` (署名用電子証明書) for policy 1.2.392.200149.8.5.1.1.20 or a certificate
 * issued by a configured signature CA key, `auth` (利用者証明用電子証明書) for 1.2.392.200149.8.5.1.3.30 or one issued by a
 * configured authentication CA key, else `other`.
 * CA generations share one subject DN, so "issued by" means the signature verifies with that key — never a name comparison.
 * A policy in the certificate decides before any key is tried (no signature check is spent on a profile-conformant leaf).
 */
export function jpkiKind(cert: ParsedCertificate, opts: JpkiKindOptions = {}): JpkiKind {
  const policies = cert.certificatePolicies ?? [];
  if (policies.includes(OID.jpki_policy_sign)) return 'sign';
  if (policies.includes(OID.jpki_policy_auth)) return 'auth';
  if (opts.signCaKeys?.some((key) => issuedBy(cert, key))) return 'sign';
  if (opts.authCaKeys?.some((key) => issuedBy(cert, key))) return 'auth';
  return 'other';
}

function issuedBy(cert: ParsedCertificate, key: KeyObject): boolean {
  try {
    return verifyCertificateSignature(cert, key);
  } catch (e) {
    if (e instanceof UnsupportedAlgorithmError) return false;
    throw e;
  }
}
