export * from './types.js';
export { parseCertificate } from './parse-certificate.js';
export { verifyCertificateSignature } from './verify.js';
export { KNOWN_CERTIFICATE_EXTENSIONS } from './extensions.js';
