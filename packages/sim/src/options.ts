import { parseSerial, type CrlReason } from '@jpki-validator/x509';
import { SimUsageError } from './errors.js';
import type { LeafKeyChoice } from './leaf.js';
import type { JpkiBasicDetailsData } from '@jpki-validator/x509';
import type { CaKind, SimLayout } from './state.js';
import type { Writable } from 'node:stream';

/** A serial as callers give it: a number, a bigint, or contract-style hex text (`7F00D015`, `0x…`). */
export type SerialInput = number | bigint | string;

export interface InitSimulatorOptions {
  dir: string;
  /**
   * `national`: J-LIS's shape — signature CAs partitioned into 1,741 municipalities of skewed sizes (directoryName + URI
   * distribution points, CRL numbers per partition), authentication CAs unpartitioned, ~30 M revoked signature entries. It
   * changes the defaults marked "national" below; every option still overrides. Default `standard`.
   */
  layout?: SimLayout;
  /** 32-bit seed of the revocation population. Default 1. */
  seed?: number;
  /** Seeded certificates per CA. Default 10 000 (national: 60 000 000). */
  populationPerCa?: number;
  /** Fraction revoked at generation 0. Default 0.1 (national: 0.5, so ~30 M signature entries). */
  revokedRate?: number;
  /**
   * Fraction of an authentication CA's population revoked at generation 0 (its certificates carry no address or name, so moves
   * and name changes do not revoke them). Default: `revokedRate` (national: 0.02).
   */
  authRevokedRate?: number;
  /** Fraction newly revoked per advanced generation. Default 0.0005. */
  dailyRevokedRate?: number;
  reasonWeights?: Partial<Record<CrlReason, number>>;
  /** Default 0.02. */
  invalidityDateRate?: number;
  /** Default 1825. */
  backdateDays?: number;
  /** CA generations (years); each kind gets one CA per year, sharing the kind's subject DN. Default [2015, 2023] (national: [2023]). */
  generations?: number[];
  /** Default ['sign', 'auth']. */
  kinds?: CaKind[];
  /** Years of the smartphone CA pairs (`jpki-smartphone-<kind>-<year>`, their own subject DN). Default: the newest generation; [] for none. */
  smartphoneGenerations?: number[];
  /**
   * `test-cards`: the Digital Agency's published test cards and test patterns (test-cards.ts), issued by the 2023 card CAs;
   * defaults become generations [2023], no seeded population, no partitions.
   */
  preset?: 'test-cards';
  /** Municipality partitions per CA (national: per signature CA). Default 8 (national: 1,741; test-cards: 0). */
  partitions?: number;
  /** National: expected size of the largest municipality ÷ the smallest's (Zipf–Mandelbrot; 1 = equal). Default 100. */
  partitionSkew?: number;
  /**
   * National: an unchanged partition CRL is re-issued this many generations after its last issue; 0 = only when its content
   * changes. Default: a day before its nextUpdate, max(1, crlValidityHours / 24 − 1) (3 with the national 96 h).
   */
  reissueDays?: number;
  /** Base of CRL DP and OCSP URLs in certificates. Default `http://127.0.0.1:8081`. */
  baseUrl?: string;
  /** thisUpdate of generation 0. Default now, truncated to the hour. */
  epoch?: Date;
  /** nextUpdate − thisUpdate of CRLs. Default 48 (national: 96). */
  crlValidityHours?: number;
  /** First serial of the first CA; later CAs start 0x01000000 further. Default 0x07000000 (JPKI-like, ~27 bits). */
  serialBase?: number;
  /** Replace an existing simulator in `dir`. Default false. */
  force?: boolean;
}

export interface IssueOptions {
  /** CA id, or a group (→ its newest generation). */
  ca: string;
  /** Default: the CA's next sequential serial. A serial inside the seeded population re-issues that certificate. */
  serial?: SerialInput;
  /** Default `shared`. */
  key?: LeafKeyChoice;
  /** Signature certificates: the 4 basic details. Default: fictional details derived from the serial. */
  details?: JpkiBasicDetailsData;
  /** The subject CN (default `SIM<serial>`). */
  commonName?: string;
  /** Default: the earlier of now and the current generation's time, minus an hour. */
  notBefore?: Date;
  /** Default notBefore + 5 years (a JPKI signature certificate's life). */
  notAfter?: Date;
}

export interface IssuedCertificate {
  caId: string;
  /** Contract form: shortest upper-case hex. */
  serial: string;
  serialNumber: number;
  der: Uint8Array;
  pem: string;
  /** PKCS#8 PEM of the leaf key (the shared key for `shared`). */
  privateKeyPem: string;
  partition: string | null;
  details: JpkiBasicDetailsData | null;
  /** Where the PEM was written: `<dir>/issued/<ca>/<serial>.pem`. */
  file: string;
}

export interface RevokeOptions {
  ca: string;
  serial: SerialInput;
  /** Default `unspecified`; `removeFromCRL` lifts a certificateHold (J-LIS never does). */
  reason?: CrlReason;
  /** Default one minute before the current generation's thisUpdate, so the current CRL can list it. */
  revokedAt?: Date;
  invalidityDate?: Date;
}

export interface WriteCrlOptions {
  ca: string;
  /** Partition name (`p0003`) or index. Absent: the CA's full CRL. */
  partition?: string | number;
  /** `true`: since the previous generation. */
  delta?: boolean | { baseGeneration: number };
  /** File path (written to a temporary file, then renamed) or a stream (written, not ended). */
  out: string | Writable;
  thisUpdate?: Date;
  /** `null` leaves nextUpdate out. */
  nextUpdate?: Date | null;
  /** thisUpdate two days ago and nextUpdate one day ago (wall clock): a stale CRL. */
  expired?: boolean;
  /** Test aid: a signature that does not verify. */
  corruptSignature?: boolean;
  /** Test aid: sign with another CA's key (e.g. the other generation of the same DN). */
  signWith?: string;
}

export interface CrlInfo {
  caId: string;
  partition: string | null;
  /** Decimal string, like the contract's CRL numbers. */
  crlNumber: string;
  baseCrlNumber: string | null;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** IssuingDistributionPoint URI, for partitions. */
  idp: string | null;
  /** IssuingDistributionPoint directoryName (RFC 4514), for municipal partitions. */
  idpDirName: string | null;
  url: string;
}

export interface CrlWriteResult extends CrlInfo {
  entries: number;
  bytes: number;
}

export interface WriteAllPartitionsOptions {
  ca: string;
  /** Directory for `<pNNNN>.crl` (created; existing files of those names replaced). */
  outDir: string;
}

/** One partition CRL written by `writeAllPartitions` or into a bundle. */
export interface PartitionCrlResult extends CrlWriteResult {
  /** `<outDir>/<pNNNN>.crl`, or the bundle file */
  file: string;
  /** Byte offset in `file` (0 for a file of its own). */
  offset: number;
}

/** Every partition CRL of a CA, back to back in one file (`writePartitionBundle`). */
export interface PartitionBundle {
  caId: string;
  /** state version and generation the CRLs were written at */
  version: number;
  generation: number;
  file: string;
  partitions: PartitionCrlResult[];
}

export interface AllPartitionsResult {
  caId: string;
  partitions: PartitionCrlResult[];
  entries: number;
  bytes: number;
  /** Walks of the CA's serial range it took: 2 (a measuring pass and a writing pass), whatever the partition count. */
  walks: number;
}

export type SerialStatusValue = 'good' | 'revoked' | 'unknown';

export interface SerialStatus {
  caId: string;
  serial: string;
  status: SerialStatusValue;
  reason: CrlReason | null;
  revokedAt: Date | null;
  invalidityDate: Date | null;
}

/** Serial input to a number; the simulator's serials are below 2^32 (JPKI's are ~27 bits). */
export function toSerialNumber(input: SerialInput): number {
  const v = typeof input === 'string' ? parseSerial(input) : BigInt(input);
  if (v < 0n || v >= 2n ** 32n)
    throw new SimUsageError('SIM_SERIAL_OUT_OF_RANGE', `serial ${v.toString(16)} outside the simulator's 0 … FFFFFFFF`);
  return Number(v);
}
