export type * from './types.js';
export { CrlScanner } from './scanner.js';
export { scanCrlBuffer } from './scan-buffer.js';
export { scanCrl } from './scan-stream.js';
export { isPem, pemToDer, pemToDerStream, PEM_CRL_LABEL } from '../pem.js';
export { readFileChunks, scanCrlFile } from './read-file-chunks.js';
export {
  uriScopeName,
  dirNameScopeName,
  dirNameTextScopeName,
  distributionPointNames,
  idpDistributionPointDer,
  idpScopeNames,
  scopeNamesMeet,
  scopeNamesText,
  type ScopeName,
} from './scope-names.js';
export {
  checkCrlSlotScope,
  crlOwnScope,
  type CrlSlotScope,
  type CrlOwnScope,
  type SlotScopeRejection,
  type SlotScopeVerdict,
} from './slot-scope.js';
