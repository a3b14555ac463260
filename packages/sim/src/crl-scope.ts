import type { KeyObject } from 'node:crypto';
import type { CaMaterial } from './ca.js';
import { DAY_MS } from './population.js';
import type { CrlDocument } from './crl-writer.js';
import { SimUsageError } from './errors.js';
import { authorityKeyIdentifier, crlNumber, deltaCrlIndicator, issuingDistributionPoint } from './extensions.js';
import type { CrlInfo, WriteCrlOptions } from './options.js';
import type { EntryScope } from './revocations.js';
import type { SimState } from './state.js';

const HOUR_MS = 3_600_000;

/** Partition names: `p0000` … (municipality partitions, numbered). */
export function partitionName(index: number): string {
  return `p${String(index).padStart(4, '0')}`;
}

/** Where the simulator's server publishes a CRL: `<base>/crl/<ca>/<full|pNNNN>[-delta].crl`. */
export function crlUrl(baseUrl: string, caId: string, partition: string | null, delta: boolean): string {
  return `${baseUrl}/crl/${caId}/${partition ?? 'full'}${delta ? '-delta' : ''}.crl`;
}

/**
 * CRL numbers. A full CRL and its deltas share one sequence per scope (RFC 5280 §5.2.3): the full CRL at state version v is
 * 2v, a delta at v is 2v + 1, and a delta's BaseCRLNumber is the full CRL number of its base generation (its last version).
 * Numbers rise with every change and repeat only for byte-identical CRLs, so rewriting without a change gives the same file.
 */
function numbers(state: SimState, baseGeneration: number | undefined): { number: bigint; base: bigint | null } {
  const v = BigInt(state.version);
  if (baseGeneration === undefined) return { number: 2n * v, base: null };
  const baseVersion = baseGeneration < state.generation ? state.generationVersions[baseGeneration] : state.version;
  if (baseVersion === undefined) throw new SimUsageError('SIM_BAD_OPTION', `no generation ${baseGeneration} to base a delta on`);
  return { number: 2n * v + 1n, base: 2n * BigInt(baseVersion) };
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

export function crlInfo(state: SimState, material: CaMaterial, options: Omit<WriteCrlOptions, 'out'>, nowMs: number): CrlInfo {
  return plan(state, material, options, nowMs).info;
}

function plan(state: SimState, material: CaMaterial, options: Omit<WriteCrlOptions, 'out'>, nowMs: number) {
  const partitionIndex = resolvePartition(material, options.partition);
  const baseGeneration = resolveBase(state, options.delta);
  const partition = partitionIndex === undefined ? null : partitionName(partitionIndex);
  const url = crlUrl(state.baseUrl, material.ca.id, partition, baseGeneration !== undefined);
  const generationMs = Date.parse(state.epoch) + state.generation * DAY_MS;
  const wallSecondMs = Math.floor(nowMs / 1000) * 1000;
  const thisUpdate = options.expired ? new Date(wallSecondMs - 2 * DAY_MS) : (options.thisUpdate ?? new Date(generationMs));
  const nextUpdate = options.expired
    ? new Date(wallSecondMs - DAY_MS)
    : options.nextUpdate === null
      ? null
      : (options.nextUpdate ?? new Date(thisUpdate.getTime() + state.crlValidityHours * HOUR_MS));
  const { number, base } = numbers(state, baseGeneration);
  // A partition's IDP names the partition's own URL; its delta names the same scope (RFC 5280 §5.2.5: same IDP as the base).
  const idp = partition === null ? null : crlUrl(state.baseUrl, material.ca.id, partition, false);
  const info: CrlInfo = {
    caId: material.ca.id,
    partition,
    crlNumber: number.toString(),
    baseCrlNumber: base === null ? null : base.toString(),
    thisUpdate,
    nextUpdate,
    idp,
    url,
  };
  const scope: EntryScope = {
    generation: state.generation,
    ...(baseGeneration === undefined ? {} : { baseGeneration }),
    ...(partitionIndex === undefined ? {} : { partition: { index: partitionIndex, count: material.ca.partitions } }),
  };
  return { info, scope, number, base, idp, thisUpdate, nextUpdate };
}

/** The CRL's header, extensions and signer for `options`, plus which entries it lists. */
export function buildCrlDocument(
  state: SimState,
  material: CaMaterial,
  signingKey: KeyObject,
  options: Omit<WriteCrlOptions, 'out'>,
  nowMs: number,
): { info: CrlInfo; document: CrlDocument; scope: EntryScope } {
  const { info, scope, number, base, idp, thisUpdate, nextUpdate } = plan(state, material, options, nowMs);
  const extensions = [
    authorityKeyIdentifier(material.keyId),
    crlNumber(number),
    ...(base === null ? [] : [deltaCrlIndicator(base)]),
    ...(idp === null ? [] : [issuingDistributionPoint(idp, true)]),
  ];
  const document: CrlDocument = {
    issuer: material.name,
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    extensions,
    signingKey,
    ...(options.corruptSignature ? { corruptSignature: true } : {}),
  };
  return { info, document, scope };
}
