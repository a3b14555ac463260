export { initSimulator, openSimulator } from './init.js';
export { Simulator } from './simulator.js';
export { partitionName, crlUrl } from './crl-scope.js';
export type {
  InitSimulatorOptions,
  IssueOptions,
  IssuedCertificate,
  RevokeOptions,
  WriteCrlOptions,
  CrlInfo,
  CrlWriteResult,
  SerialStatus,
  SerialStatusValue,
  SerialInput,
  WriteAllPartitionsOptions,
  AllPartitionsResult,
  PartitionCrlResult,
  PartitionBundle,
} from './options.js';
export type { SimState, SimCaState, CaKind, SimMedium, ExplicitRevocation, SimLayout, MunicipalPartitioning } from './state.js';
export { TEST_CARDS, issueTestCards, type TestCard, type TestCertificate, type TestCardState, type IssuedTestCard } from './test-cards.js';
export type { PartitionListing, PartitionListingEntry } from './partition-listing.js';
export { PREFECTURES, NATIONAL_MUNICIPALITIES, DEFAULT_PARTITION_SKEW } from './municipalities.js';
export type { LeafKeyChoice } from './leaf.js';
export { SIM_ORGANISATION } from './ca.js';
export { DEFAULT_REASON_WEIGHTS } from './population.js';
export { defaultDetails, eraOf } from './default-details.js';
export { SimError, SimUsageError, SimStateError, type SimErrorCode } from './errors.js';
export { serveSimulator, type SimServer, type SimServerOptions } from './http-server.js';
export { createOcspResponder, type OcspResponderOptions, type OcspSignerChoice, type OcspStatusSource } from './ocsp-responder.js';
