import type { KeyObject } from 'node:crypto';
import type { CaMaterial } from './ca.js';
import type { CrlDocument } from './crl-writer.js';
import { SimUsageError } from './errors.js';
import {
  authorityKeyIdentifier,
  crlNumber,
  deltaCrlIndicator,
  issuingDistributionPoint,
  type DistributionPointNames,
} from './extensions.js';
import type { CrlInfo, WriteCrlOptions } from './options.js';
import type { PartitionIssue } from './partition-issue.js';
import { partitionName, type PartitionScheme } from './partition-scheme.js';
import { DAY_MS } from './population.js';
import type { EntryScope } from './revocations.js';
import type { SimState } from './state.js';

export { partitionName } from './partition-scheme.js';

const HOUR_MS = 3_600_000;

/** Where the simulator's server publishes a CRL: `<base>/crl/<ca>/<full|pNNNN>[-delta].crl`. */
export function crlUrl(baseUrl: string, caId: string, partition: string | null, delta: boolean): string {
  return `${baseUrl}/crl/${caId}/${partition ?? 'full'}${delta ? '-delta' : ''}.crl`;
}

/** Which CRL `options` ask for: the whole CA or one partition, full or delta since a base generation. */
export interface CrlTarget {
  partitionIndex?: number;
  baseGeneration?: number;
}

export function resolveTarget(state: SimState, material: CaMaterial, options: Pick<WriteCrlOptions, 'partition' | 'delta'>): CrlTarget {
  const partitionIndex = resolvePartition(material, options.partition);
  const baseGeneration = resolveBase(state, options.delta);
  return {
    ...(partitionIndex === undefined ? {} : { partitionIndex }),
    ...(baseGeneration === undefined ? {} : { baseGeneration }),
  };
}

function resolvePartition(material: CaMaterial, partition: string | number | undefined): number | undefined {
  if (partition === undefined) return undefined;
  const index = typeof partition === 'number' ? partition : /^p\d{4,}$/.test(partition) ? Number(partition.slice(1)) : Number.NaN;
  if (!Number.isInteger(index) || index < 0 || index >= material.ca.partitions) {
    throw new SimUsageError(
      'SIM_UNKNOWN_PARTITION',
      `${material.ca.id} has no partition ${JSON.stringify(partition)} (it has ${material.ca.partitions}: p0000 …)`,
    );
  }
  return index;
}

function resolveBase(state: SimState, delta: WriteCrlOptions['delta']): number | undefined {
  if (delta === undefined || delta === false) return undefined;
  const base = delta === true ? state.generation - 1 : delta.baseGeneration;
  if (!Number.isInteger(base) || base < 0 || base > state.generation) {
    throw new SimUsageError(
      'SIM_BAD_OPTION',
      `delta base generation ${base} is not within 0 … ${state.generation}${delta === true ? ' (advance at least once before a delta)' : ''}`,
    );
  }
  return base;
}

/**
 * CRL numbers. A full CRL and its deltas share one sequence per scope (RFC 5280 §5.2.3): the full CRL at state version v is
 * 2v, a delta at v is 2v + 1, and a delta's BaseCRLNumber is the full CRL number of its base generation (its last version).
 * A municipal partition's full CRL is numbered by its own last issue instead (2 × that version). Numbers rise with every change
 * and repeat only for byte-identical CRLs, so rewriting without a change gives the same file.
 */
function numbers(state: SimState, target: CrlTarget, municipal: PartitionIssue | undefined): { number: bigint; base: bigint | null } {
  const v = BigInt(state.version);
  const { baseGeneration } = target;
  if (baseGeneration === undefined) return { number: 2n * (municipal ? BigInt(municipal.version) : v), base: null };
  if (municipal) return { number: 2n * v + 1n, base: 2n * BigInt(municipal.version) };
  const baseVersion = baseGeneration < state.generation ? state.generationVersions[baseGeneration] : state.version;
  if (baseVersion === undefined) throw new SimUsageError('SIM_BAD_OPTION', `no generation ${baseGeneration} to base a delta on`);
  return { number: 2n * v + 1n, base: 2n * BigInt(baseVersion) };
}

export interface CrlPlan {
  info: CrlInfo;
  scope: EntryScope;
  number: bigint;
  base: bigint | null;
  idp: DistributionPointNames | null;
  thisUpdate: Date;
  nextUpdate: Date | null;
}

/**
 * The metadata and entry scope of the CRL `options` ask for. For a municipal partition, `municipal` is when its CRL was issued
 * (see partitionIssue): for a full CRL, its own last issue; for a delta, its base's. Other scopes follow the CA's state version.
 */
export function planCrl(
  state: SimState,
  material: CaMaterial,
  scheme: PartitionScheme | null,
  options: Omit<WriteCrlOptions, 'out'>,
  nowMs: number,
  municipal?: PartitionIssue,
): CrlPlan {
  const target = resolveTarget(state, material, options);
  const { partitionIndex, baseGeneration } = target;
  const partition = partitionIndex === undefined ? null : partitionName(partitionIndex);
  const url = crlUrl(state.baseUrl, material.ca.id, partition, baseGeneration !== undefined);
  const epochMs = Date.parse(state.epoch);
  const issuedMs =
    municipal && baseGeneration === undefined ? epochMs + municipal.generation * DAY_MS : epochMs + state.generation * DAY_MS;
  const wallSecondMs = Math.floor(nowMs / 1000) * 1000;
  const thisUpdate = options.expired ? new Date(wallSecondMs - 2 * DAY_MS) : (options.thisUpdate ?? new Date(issuedMs));
  const nextUpdate = options.expired
    ? new Date(wallSecondMs - DAY_MS)
    : options.nextUpdate === null
      ? null
      : (options.nextUpdate ?? new Date(thisUpdate.getTime() + state.crlValidityHours * HOUR_MS));
  const { number, base } = numbers(state, target, municipal);
  // A partition's IDP names the partition's own URL (and, municipal, its directoryName); its delta names the same scope
  // (RFC 5280 §5.2.5: same IDP as the base).
  const dirName = partitionIndex === undefined ? null : (scheme?.dirName(partitionIndex) ?? null);
  const idp: DistributionPointNames | null =
    partition === null ? null : { uri: crlUrl(state.baseUrl, material.ca.id, partition, false), ...(dirName ? { dirName } : {}) };
  const info: CrlInfo = {
    caId: material.ca.id,
    partition,
    crlNumber: number.toString(),
    baseCrlNumber: base === null ? null : base.toString(),
    thisUpdate,
    nextUpdate,
    idp: idp?.uri ?? null,
    idpDirName: partitionIndex === undefined ? null : (scheme?.dirNameText(partitionIndex) ?? null),
    url,
  };
  const scope: EntryScope = {
    generation: state.generation,
    ...(baseGeneration === undefined ? {} : { baseGeneration }),
    ...(partitionIndex === undefined || !scheme ? {} : { partition: { index: partitionIndex, map: scheme.map } }),
  };
  return { info, scope, number, base, idp, thisUpdate, nextUpdate };
}

/** The CRL's header, extensions and signer for a plan. */
export function buildCrlDocument(
  plan: CrlPlan,
  material: CaMaterial,
  signingKey: KeyObject,
  options: Pick<WriteCrlOptions, 'corruptSignature'>,
): CrlDocument {
  const extensions = [
    authorityKeyIdentifier(material.keyId),
    crlNumber(plan.number),
    ...(plan.base === null ? [] : [deltaCrlIndicator(plan.base)]),
    ...(plan.idp === null ? [] : [issuingDistributionPoint(plan.idp, true)]),
  ];
  return {
    issuer: material.name,
    thisUpdate: plan.thisUpdate,
    ...(plan.nextUpdate ? { nextUpdate: plan.nextUpdate } : {}),
    extensions,
    signingKey,
    ...(options.corruptSignature ? { corruptSignature: true } : {}),
  };
}
