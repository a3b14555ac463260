export {
  ChallengeStore,
  CHALLENGE_DEFAULT_TTL_SECONDS,
  CHALLENGE_MAX_TTL_SECONDS,
  CHALLENGE_NONCE_BYTES,
  type IssuedChallenge,
  type ChallengeOutcome,
} from './challenges.js';
export { verifySigned, type VerifyDeps } from './verify-signed.js';
export type {
  VerifyPurpose,
  SignedItemInput,
  VerifyInput,
  SignatureVerdict,
  VerifiedItem,
  VerifyErrorCode,
  PersonalReason,
  VerifyReport,
} from './types.js';
