export { SignatureInputError } from './errors.js';
export {
  algorithmForKey,
  RAW_ALGORITHM_NAMES,
  HASH_BYTES,
  type RawAlgorithm,
  type RawAlgorithmName,
  type RawHash,
  type RawScheme,
} from './algorithms.js';
export { verifyRawSignature, type SignedInput, type RawSignatureCheck } from './verify-raw.js';
export { readCmsSignedData, readCmsInput, CMS_OID, type CmsSignedMessage, type CmsSignedAttributes } from './cms.js';
export { verifyCmsSigner, type CmsCheck, type CmsContentInput } from './cms-verify.js';
