import type { CaMaterial } from './ca.js';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomicWith } from '@jpki-validator/files';
import { copyRange } from './copy-range.js';
import { SIM_OUTPUT } from './sim-output.js';
import { buildCrlDocument, planCrl, type CrlTarget } from './crl-scope.js';
import type { EntryTotals } from './crl-writer.js';
import { EntryEncoder } from './entry-encoder.js';
import type { PartitionBundle, PartitionCrlResult } from './options.js';
import { measurePartitions, writePartitionBundle } from './partition-bundle.js';
import { explicitVersionsByPartition, partitionIssue, VersionClock, type PartitionIssue } from './partition-issue.js';
import type { PartitionScheme } from './partition-scheme.js';
import type { RevocationModel } from './population.js';
import type { EntryCursor, EntryFields, EntryScope, ExplicitIndex } from './revocations.js';
import type { ExplicitRevocation, SimState } from './state.js';

/** What a CRL writer or responder needs about one CA, rebuilt whenever the state changes. */
export interface CaRuntime {
  material: CaMaterial;
  model: RevocationModel;
  explicit: ExplicitIndex;
  records: readonly ExplicitRevocation[];
  scheme: PartitionScheme | null;
}

/** Starts one walk of the CA's serial range (the simulator counts them). */
export type OpenWalk = (scope: EntryScope) => EntryCursor;

/**
 * When a municipal partition's CRL was issued — its own last issue for a full CRL, its base's for a delta — from one walk over
 * the partition, which also measures it (so writing it needs one walk more, not two); undefined for any other scope.
 */
export function measureMunicipalIssue(
  state: SimState,
  runtime: CaRuntime,
  target: CrlTarget,
  openWalk: OpenWalk,
): { issue: PartitionIssue; totals: EntryTotals | null } | undefined {
  const { scheme } = runtime;
  const index = target.partitionIndex;
  if (!scheme?.municipal || index === undefined) return undefined;
  const clock = new VersionClock(state);
  const generation = target.baseGeneration ?? state.generation;
  const asOf = { generation, version: clock.endOf(generation) };
  const walk = openWalk({ generation, partition: { index, map: scheme.map } });
  const encoder = new EntryEncoder();
  const entry: EntryFields = { serial: 0, revokedAtSeconds: 0, reasonCode: 0, invalidityAtSeconds: -1 };
  let entries = 0;
  let entriesLength = 0;
  let maxSeededDay = -1;
  while (walk.next(entry)) {
    entries++;
    entriesLength += encoder.length(entry);
    if (walk.seededDay > maxSeededDay) maxSeededDay = walk.seededDay;
  }
  const maxExplicitVersion = explicitVersionsByPartition(runtime.records, scheme.map, clock, asOf)[index] ?? 0;
  const issue = partitionIssue(clock, { maxSeededDay, maxExplicitVersion }, asOf, state.baseUrlVersions ?? [], scheme.municipal);
  return { issue, totals: target.baseGeneration === undefined ? { entries, entriesLength } : null };
}

/**
 * Every partition's full CRL of the current generation, back to back in `out`: a measuring walk (entries, bytes and the latest
 * change of each partition), the CRLs' headers from it, then a writing walk (see writePartitionBundle in partition-bundle.ts).
 */
export async function writeBundle(state: SimState, runtime: CaRuntime, out: string, openWalk: OpenWalk): Promise<PartitionBundle> {
  const { material, scheme } = runtime;
  if (!scheme) throw new RangeError(`${material.ca.id} is not partitioned`);
  const { generation, version } = state;
  const totals = await measurePartitions(openWalk({ generation }), scheme.map);
  const clock = new VersionClock(state);
  const asOf = { generation, version };
  const explicitVersions = scheme.municipal ? explicitVersionsByPartition(runtime.records, scheme.map, clock, asOf) : null;
  const nowMs = Date.now();
  const plans = Array.from({ length: scheme.count }, (_, p) => {
    const issue =
      scheme.municipal && explicitVersions
        ? partitionIssue(
            clock,
            { maxSeededDay: totals.maxSeededDay[p] as number, maxExplicitVersion: explicitVersions[p] as number },
            asOf,
            state.baseUrlVersions ?? [],
            scheme.municipal,
          )
        : undefined;
    return planCrl(state, material, scheme, { ca: material.ca.id, partition: p }, nowMs, issue);
  });
  const documents = plans.map((plan) => buildCrlDocument(plan, material, material.key, {}));
  const slots = await writeFileAtomicWith(
    out,
    async (handle) => writePartitionBundle(handle.fd, openWalk({ generation }), scheme.map, totals, documents),
    SIM_OUTPUT,
  );
  const partitions = plans.map((plan, p) => {
    const slot = slots[p] ?? { offset: 0, bytes: 0, entries: 0 };
    return { ...plan.info, entries: slot.entries, bytes: slot.bytes, file: out, offset: slot.offset };
  });
  return { caId: material.ca.id, version, generation, file: out, partitions };
}

/** Copies each partition CRL of a bundle into `<outDir>/<pNNNN>.crl` (each atomically). */
export async function splitBundle(bundle: PartitionBundle, outDir: string): Promise<PartitionCrlResult[]> {
  const partitions = bundle.partitions.map((part) => ({ ...part, file: join(outDir, `${part.partition}.crl`), offset: 0 }));
  const from = await open(bundle.file, 'r');
  try {
    // A few copies at once: each is mostly waiting on open, close and rename.
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < partitions.length; i = next++) {
        const part = bundle.partitions[i] as PartitionCrlResult;
        await copyRange(from, part.offset, part.bytes, (partitions[i] as PartitionCrlResult).file);
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
  } finally {
    await from.close();
  }
  return partitions;
}
