export * from './types.js';
export * from './errors.js';
export { CaRegistry, createCaRegistry, type RegisteredCa, type CaKind, type IssuerMatch, type IssuerProblem } from './ca-registry.js';
export { CrlSummaries, type CrlSummary, type CrlVia } from './crl-summary.js';
export {
  partitionView,
  partitionOverview,
  type PartitionView,
  type PartitionOverview,
  type PartitionCounts,
  type PartitionState,
} from './partition-view.js';
export { partitionOfCertificate, partitionNamed } from './partition-of.js';
export { StatusResolver, type StatusResolverOptions, type SnapshotSource, type BatchQuestion } from './resolver.js';
export { combineVerdicts, crlVerdict, ocspVerdict, unknownAnswer, type CaVerdict, type OcspAnswer, type Via } from './verdict.js';
export {
  OcspChecker,
  DEFAULT_OCSP_COST_YEN,
  type OcspCheckerOptions,
  type OcspOutcome,
  type OcspFailure,
  type OcspEvent,
  type OcspIssuerStats,
} from './ocsp/checker.js';
export { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './ocsp/circuit-breaker.js';
export { SpendCap } from './ocsp/spend-cap.js';
export {
  validateCertificate,
  CertificateInputError,
  type ValidationReport,
  type ValidationResult,
  type ValidationError,
  type CertificateSummary,
} from './validate.js';
export { BulkStatusResolver, BulkRound, SKIP_ROW, answerSerialText, type BulkStatusOptions, type BulkColumns } from './bulk-columns.js';
export { bulkStatusAnswer, type BulkOutcome, type BulkRowFacts } from './bulk-outcomes.js';
export { readSerialNumber, readSerialNumberBytes, NEEDS_FULL_PARSE } from './serial-number.js';
export * from './verify/index.js';
