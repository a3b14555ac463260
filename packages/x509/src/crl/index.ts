export type * from './types.js';
export { CrlScanner } from './scanner.js';
export { scanCrlBuffer } from './scan-buffer.js';
export { scanCrl } from './scan-stream.js';
export { isPem, pemToDer, pemToDerStream, PEM_CRL_LABEL } from '../pem.js';
export { readFileChunks, scanCrlFile } from './read-file-chunks.js';
