export { ingestCrl, type IngestOptions, type IngestResult } from './ingest/load-crl.js';
export { loadTrustedCa, TrustedCaError, type TrustedCa } from './ingest/trusted-ca.js';
export { readFetchState, writeFetchState, type FetchState } from './ingest/fetch-state.js';
export { createSource, createHttpSource, createFileSource, type CrlSource, type FetchOutcome, type SourceValidators } from './sources/index.js';
export { FetcherError, CrlRejectedError, type FetcherErrorCode } from './errors.js';
