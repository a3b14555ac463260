export * from './types.js';
export { buildOcspRequest, type OcspRequestOptions, type BuiltOcspRequest } from './request.js';
export { parseOcspResponse } from './response.js';
export { verifyOcspResponse, assertOcspResponse, OcspError, type OcspVerifyOptions } from './verify.js';
export { computeCertId, certIdEquals } from './cert-id.js';
