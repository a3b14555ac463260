import type { LoadedCrl, ListedEntry } from './crl-set.js';
import type { PathErrorCode } from './types.js';

/** Why a CRL could not decide, before it is given the depth of the certificate it was asked about. */
export interface StatusProblem {
  code: PathErrorCode;
  message: string;
}

/** The revocation status of one certificate, from the CRLs at hand. */
export type CertStatus =
  | { status: 'good' }
  | { status: 'revoked'; entry: ListedEntry; crl: LoadedCrl }
  | { status: 'unknown'; problems: StatusProblem[] };
