import type { PartitionMap } from './partition-map.js';
import type { ExplicitRevocation, MunicipalPartitioning, SimState } from './state.js';

/**
 * Maps state versions to generations. Every change of revocation state bumps `version`; `advance` closes a generation
 * (`generationVersions[g]` is its last version) and opens the next at the following version. Generation 0 starts at version 1.
 */
export class VersionClock {
  constructor(private readonly state: Pick<SimState, 'version' | 'generation' | 'generationVersions'>) {}

  startOf(generation: number): number {
    return generation <= 0 ? 1 : (this.state.generationVersions[generation - 1] ?? this.state.version) + 1;
  }

  /** The last version of a generation: the current version for the current generation. */
  endOf(generation: number): number {
    return generation < this.state.generation ? (this.state.generationVersions[generation] ?? this.state.version) : this.state.version;
  }

  /** The generation a version belongs to. */
  generationOf(version: number): number {
    let lo = 0;
    let hi = this.state.generation;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.endOf(mid) >= version) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The version an explicit record created (records from before per-record versions: their generation's last version). */
  versionOf(record: ExplicitRevocation): number {
    return record.version ?? this.endOf(record.generation);
  }
}

/** What one walk learns about a municipal partition's content at some generation. */
export interface PartitionContent {
  /** latest seeded revocation day among the entries listed from the seeded population, −1 when none */
  maxSeededDay: number;
  /** latest version among the partition's explicit records in force by then (revocations, lifts), 0 when none */
  maxExplicitVersion: number;
}

export interface PartitionIssue {
  /** state version of the issue: the CRL number is twice it */
  version: number;
  /** generation of the issue: thisUpdate is its time */
  generation: number;
}

/**
 * When a municipal partition's CRL was last issued, as of (`generation`, `version`): at the last change of its content (a seeded
 * revocation day, an explicit record, a new base URL in its IDP), or at the latest scheduled re-issue since — every `reissueDays`
 * generations after that change. A pure function of the content and the clock, so an unchanged partition keeps its number,
 * thisUpdate and bytes (its ETag: the fetcher's 304) until it changes or falls due.
 */
export function partitionIssue(
  clock: VersionClock,
  content: PartitionContent,
  asOf: { generation: number; version: number },
  baseUrlVersions: readonly number[],
  partitioning: MunicipalPartitioning,
): PartitionIssue {
  let changed = 1;
  if (content.maxSeededDay >= 0) changed = Math.max(changed, clock.startOf(content.maxSeededDay));
  changed = Math.max(changed, content.maxExplicitVersion);
  for (const v of baseUrlVersions) if (v <= asOf.version) changed = Math.max(changed, v);
  const changedIn = clock.generationOf(changed);
  const every = partitioning.reissueDays;
  if (every > 0 && asOf.generation - changedIn >= every) {
    const generation = changedIn + every * Math.floor((asOf.generation - changedIn) / every);
    return { version: clock.startOf(generation), generation };
  }
  return { version: changed, generation: changedIn };
}

/**
 * The latest version among each partition's explicit records in force by (`generation`, `version`): revocations, re-revocations
 * and lifted holds all change a partition's content. One pass over the CA's records.
 */
export function explicitVersionsByPartition(
  records: readonly ExplicitRevocation[],
  map: PartitionMap,
  clock: VersionClock,
  asOf: { generation: number; version: number },
): Float64Array {
  const latest = new Float64Array(map.count);
  for (const record of records) {
    const version = clock.versionOf(record);
    if (record.generation > asOf.generation || version > asOf.version) continue;
    const p = map.indexOf(record.serial);
    if (version > (latest[p] as number)) latest[p] = version;
  }
  return latest;
}
