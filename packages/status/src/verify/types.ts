/** What `/v1/verify` and `jpki-validator verify` take and answer (packages/status/src/verify/verify-signed.ts). */
import type { CmsCheck, CmsContentInput, JpkiBasicDetailsView } from '@jpki-validator/x509';
import type { CheckOptions } from '../types.js';
import type { ValidationReport } from '../validate.js';

/** `document`: a signature over documents, made with a signature certificate (署名用); `login`: with an authentication one (利用者証明用). */
export type VerifyPurpose = 'document' | 'login';

export interface SignedItemInput {
  id?: string | number;
  /** exactly one of data and digest; for a challenge item neither (the nonce is the data) */
  data?: Uint8Array;
  digest?: Uint8Array;
  signature: Uint8Array;
  /** a RAW_ALGORITHM_NAMES name; default: the key's scheme */
  algorithm?: string;
}

export interface VerifyInput {
  /** PEM, base64 DER or DER; optional with `cms` when the message carries the signer's certificate */
  certificate: string | Uint8Array | null;
  /** a CMS SignedData (PEM, base64 or DER); excludes `items` */
  cms: string | Uint8Array | null;
  /** the detached content of a CMS signature (its data or its digest) */
  cmsContent: CmsContentInput;
  /** raw signatures; with `challengeId` exactly one, without data or digest */
  items: readonly SignedItemInput[];
  /** the items came as a list (`items` in the API, `--item` in the CLI): errors then name `items.<n>.<field>` */
  itemsListed?: boolean;
  challengeId: string | null;
  /** default: `login` with a challenge, else `document` */
  purpose: VerifyPurpose | null;
  check: CheckOptions;
  personal: { requested: boolean; allowed: boolean };
  /** the caller (API key id) a challenge is bound to */
  owner: string | null;
}

export type SignatureVerdict = 'valid' | 'invalid' | 'not_checked';

export interface VerifiedItem {
  id?: string | number;
  signature: SignatureVerdict;
  /** e.g. `rsa-pkcs1-sha256`, or the CMS signer's algorithm */
  algorithm: string;
}

export type VerifyErrorCode =
  | 'signature_invalid'
  | 'signature_not_checked'
  | 'certificate_invalid'
  | 'certificate_revoked'
  | 'certificate_expired'
  | 'certificate_not_yet_valid'
  | 'certificate_status_unknown'
  | 'kind_mismatch'
  | 'key_usage'
  | 'challenge_expired'
  | 'challenge_unknown_or_used'
  | 'signing_time_outside_validity'
  | 'signing_time_in_future';

export type PersonalReason = 'not_requested' | 'scope_missing' | 'untrusted_certificate' | 'no_basic_details';

export interface VerifyReport {
  /** `valid` only when every signature verifies, the certificate is valid, its kind fits the purpose and a challenge was live */
  result: 'valid' | 'invalid' | 'unknown';
  /** every item's signature together */
  signature: SignatureVerdict;
  items: VerifiedItem[];
  /** exactly what /v1/validate answers for the signer's certificate */
  validation: ValidationReport;
  purpose: VerifyPurpose;
  requiredKind: 'sign' | 'auth';
  kindFits: boolean;
  cms: (Omit<CmsCheck, 'signingTime'> & { signingTime: string | null }) | null;
  challenge: { challengeId: string; status: 'accepted' | 'expired' | 'unknown_or_used'; expiresAt: string | null } | null;
  personal: { requested: boolean; included: boolean; reason?: PersonalReason };
  /** the JPKI 4 basic details, only when `personal.included` */
  basicDetails?: JpkiBasicDetailsView;
  errors: { code: VerifyErrorCode; message: string }[];
}
