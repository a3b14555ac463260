export * from './errors.js';
export * from './oids.js';
export * from './der/tlv.js';
export * from './der/oid.js';
export * from './der/writer.js';
export * from './crypto/signature.js';
