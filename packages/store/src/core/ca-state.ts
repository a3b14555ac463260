/**
 * A CA as a process holds it: epoch, generation, each partition's metadata (with the run that holds its entries), the merged
 * set and the snapshot readers answer from. The embedded store's state, a Redis store's and a replica's mirror of Redis.
 *
 * Two ways it moves:
 * - a writer's switch: the changes mergeRun found are applied (applySwitch);
 * - a reader catching up with the store (syncCaState): per partition whose run changed, the new run is read and compared with
 *   the set (its removals come with it) — the cost of what changed; a rebuild from every run only when the epoch differs
 *   (a data loss) or a partition's history cannot be followed (a run skipped, a partition gone).
 */
import { randomBytes } from 'node:crypto';
import type { PartitionMeta } from '../types.js';
import { NO_INVALIDITY } from './chunk.js';
import type { ChunkBuilder } from './chunk-builder.js';
import { EntryBuffer } from './entry-buffer.js';
import { REMOVE_FROM_CRL } from '@jpki-validator/x509';
import type { EntrySlot } from './entry-slot.js';
import type { PartitionRun } from './partition-run.js';
import { RevocationSet } from './revocation-set.js';
import { CaSnapshot } from './snapshot.js';
import { sortPartitions } from './load-rules.js';

/** A partition's metadata as the store keeps it: PartitionMeta plus the run holding its entries. */
export interface StoredPartition extends PartitionMeta {
  /** names the run (a Redis key, a file's content) holding the partition's entries now */
  loadId: string;
  /** the run this one was merged on; null for the partition's first load */
  baseLoadId: string | null;
  /** the encoded run's size */
  runBytes: number;
}

/** One switch's changes by serial, for diffGenerations: the previous and the current reason (-1: not listed). */
export interface SwitchChanges {
  fromGeneration: number;
  toGeneration: number;
  serials: bigint[];
  previous: Int8Array;
  current: Int8Array;
}

export class CaState {
  readonly caId: string;
  readonly set: RevocationSet;
  epoch: string;
  generation: number;
  readonly partitions = new Map<string, StoredPartition>();
  snapshot: CaSnapshot;
  /** the latest commit's change list, encoded (changes-codec.ts): a group of switches commits one list */
  lastChanges: { toGeneration: number; bytes: Buffer } | null = null;
  /** the store's name for the switch that made `generation` (CaManifest.lastSwitch); null where the store names none */
  lastSwitch: string | null = null;

  constructor(caId: string, chunkBits: number, epoch: string, generation = 0) {
    this.caId = caId;
    this.set = new RevocationSet(chunkBits);
    this.epoch = epoch;
    this.generation = generation;
    this.snapshot = new CaSnapshot(caId, generation, this.set, [], epoch);
  }

  get loaded(): boolean {
    return this.generation > 0;
  }

  /** a writer's switch of one partition: its changes applied, its metadata and the generation moved, a new snapshot */
  applySwitch(meta: StoredPartition, changes: EntryBuffer, builder: ChunkBuilder, publish = true): void {
    this.set.apply(changes, meta.loadId, builder);
    this.partitions.set(meta.partition, meta);
    this.generation = Math.max(this.generation, meta.generation);
    // several switches applied together publish once (the caller's republish): each is a sort of every partition
    if (publish) this.republish();
  }

  /** a switch seen by a store that keeps metadata only (a writer that never answers): no run read, no set touched */
  applyMeta(meta: StoredPartition, publish = true): void {
    this.partitions.set(meta.partition, meta);
    this.generation = Math.max(this.generation, meta.generation);
    if (publish) this.republish();
  }

  /** a new snapshot object for the current metadata (the set is shared) */
  republish(): void {
    this.snapshot = new CaSnapshot(
      this.caId,
      this.generation,
      this.set,
      sortPartitions([...this.partitions.values()].map(publicMeta)),
      this.epoch,
      this.lastSwitch,
    );
  }
}

/**
 * PartitionMeta without the store's own fields (what answers and /v1/issuers show). Made once per stored object: every switch
 * republishes the CA's whole partition list, and 1,741 partitions switched one after another made 3 M copies.
 */
export function publicMeta(m: StoredPartition): PartitionMeta {
  let meta = publicMetas.get(m);
  if (meta === undefined) {
    const { loadId: _l, baseLoadId: _b, runBytes: _r, ...rest } = m;
    meta = rest;
    publicMetas.set(m, meta);
  }
  return meta;
}

const publicMetas = new WeakMap<StoredPartition, PartitionMeta>();

/** a CA as the store lists it: its identity and every partition's metadata */
export interface CaManifest {
  epoch: string;
  generation: number;
  partitions: StoredPartition[];
  /**
   * the store's name for the switch that made `generation` (Redis: its run's loadId); absent where the store names none. Within an
   * epoch, generation numbers can come round again with other content when a store loses writes (Redis restored from older
   * data, a failover to a replica that lagged): the number alone then says "same" where it is not.
   */
  lastSwitch?: string | null;
}

/** where a reader finds a CA's manifest and its partitions' runs */
export interface RunSource {
  /** null when the store holds nothing for the CA */
  manifest(caId: string): Promise<CaManifest | null>;
  /** null when the run is gone (replaced by a later switch meanwhile: read the manifest again) */
  readRun(caId: string, meta: StoredPartition): Promise<PartitionRun | null>;
}

export type SyncOutcome = 'same' | 'caught-up' | 'rebuilt' | 'gone';

export interface SyncResult {
  /** the state now (the one held, or a new one); null when the store holds nothing and nothing was held */
  state: CaState | null;
  outcome: SyncOutcome;
}

const SYNC_ATTEMPTS = 4;

/**
 * Brings `held` up to the store's current generation (see the file comment). A held state of another epoch is never changed: a
 * new one is built and returned (the caller swaps it in; the old one keeps answering until then). `gone`: the store holds nothing
 * for the CA — the held state is returned unchanged.
 */
export async function syncCaState(
  held: CaState | null,
  source: RunSource,
  caId: string,
  chunkBits: number,
  builder: ChunkBuilder,
  /** false: follow the partitions' metadata only, never reading a run (a store that writes but never answers) */
  entries = true,
): Promise<SyncResult> {
  for (let attempt = 0; attempt < SYNC_ATTEMPTS; attempt++) {
    const manifest = await source.manifest(caId);
    if (manifest === null) return { state: held, outcome: 'gone' };
    if (held !== null && held.epoch === manifest.epoch && holdsManifest(held, manifest)) return { state: held, outcome: 'same' };
    if (!entries)
      return {
        state: fromManifest(held, caId, chunkBits, manifest),
        outcome: held === null || held.epoch !== manifest.epoch ? 'rebuilt' : 'caught-up',
      };
    // a generation number not above the held one (held content Redis no longer has) is never followed run by run: rebuilt
    if (
      held === null ||
      held.epoch !== manifest.epoch ||
      held.generation >= manifest.generation ||
      !followable(held, manifest.partitions)
    ) {
      const built = await rebuild(source, caId, chunkBits, builder, manifest);
      if (built !== null) return { state: built, outcome: 'rebuilt' };
      continue;
    }
    const changed = manifest.partitions
      .filter((m) => held.partitions.get(m.partition)?.loadId !== m.loadId)
      .sort((a, b) => a.generation - b.generation);
    let complete = true;
    for (const meta of changed) {
      const run = await source.readRun(caId, meta);
      if (run === null) {
        complete = false;
        break;
      }
      held.applySwitch(meta, changesAgainst(held.set, run), builder);
    }
    if (!complete) continue;
    held.generation = Math.max(held.generation, manifest.generation);
    held.lastSwitch = manifest.lastSwitch ?? null;
    held.republish();
    return { state: held, outcome: 'caught-up' };
  }
  throw new SyncConflict(caId);
}

export class SyncConflict extends Error {
  constructor(caId: string) {
    super(`${caId}: the store kept switching under the read`);
    this.name = 'SyncConflict';
  }
}

/**
 * Whether the state held is the store's current content, or must be kept over it. Same generation: the same content unless the
 * store names another last switch. A generation behind the held one (the store lost writes within its epoch): the held state is
 * kept while the store holds an older CRL than it for any partition (it holds revocations the store lost; the fetchers load them
 * again), and left for the store's once the store holds the same or newer CRLs everywhere (rebuilt: the runs no longer chain).
 */
function holdsManifest(held: CaState, manifest: CaManifest): boolean {
  if (held.generation < manifest.generation) return false;
  // a store that names no switch (the embedded store's files, written by one writer at a time) is judged by the number alone
  if (manifest.lastSwitch === undefined) return true;
  if (held.generation === manifest.generation)
    return manifest.lastSwitch === null || held.lastSwitch === null || held.lastSwitch === manifest.lastSwitch;
  const stored = new Map(manifest.partitions.map((m) => [m.partition, m.crlNumber]));
  for (const [name, mine] of held.partitions) if ((stored.get(name) ?? -1n) < mine.crlNumber) return true;
  return false;
}

/** whether every change can be applied from its run alone: each changed partition's run was merged on the one held */
function followable(held: CaState, partitions: readonly StoredPartition[]): boolean {
  const names = new Set(partitions.map((p) => p.partition));
  for (const name of held.partitions.keys()) if (!names.has(name)) return false;
  for (const m of partitions) {
    const mine = held.partitions.get(m.partition);
    if (mine?.loadId === m.loadId) continue;
    if ((mine?.loadId ?? null) !== m.baseLoadId) return false;
  }
  return true;
}

/** the manifest's metadata as the state (the held one when of the same epoch), with no entries: see syncCaState's `entries` */
function fromManifest(held: CaState | null, caId: string, chunkBits: number, manifest: CaManifest): CaState {
  const state = held !== null && held.epoch === manifest.epoch ? held : new CaState(caId, chunkBits, manifest.epoch);
  state.partitions.clear();
  for (const m of manifest.partitions) state.partitions.set(m.partition, m);
  state.generation = Math.max(state.generation, manifest.generation);
  state.republish();
  return state;
}

/** a new state from every run, oldest switch first (later switches win where partitions overlap); null when a run vanished */
async function rebuild(
  source: RunSource,
  caId: string,
  chunkBits: number,
  builder: ChunkBuilder,
  manifest: CaManifest,
): Promise<CaState | null> {
  const state = new CaState(caId, chunkBits, manifest.epoch);
  const ordered = [...manifest.partitions].sort((a, b) => a.generation - b.generation);
  const id = `r${randomBytes(4).toString('hex')}`;
  // runs are gathered into batches (later runs after earlier ones: they win where partitions overlap) and each batch applied
  // at once, so a chunk is built once per batch rather than patched run by run; a batch is bounded (REBUILD_BATCH entries)
  let batch = new EntryBuffer(1 << 16);
  for (const meta of ordered) {
    const run = await source.readRun(caId, meta);
    if (run === null) return null;
    // a run's removals were applied when it was made: rebuilding from runs alone, they are history, not changes
    appendRun(batch, run);
    state.partitions.set(meta.partition, meta);
    if (batch.length >= REBUILD_BATCH) {
      state.set.apply(batch, id, builder);
      batch = new EntryBuffer(1 << 16);
    }
  }
  if (batch.count > 0) state.set.apply(batch, id, builder);
  state.generation = manifest.generation;
  state.lastSwitch = manifest.lastSwitch ?? null;
  state.republish();
  return state;
}

/** entries gathered per batch when a state is rebuilt from every run (~36 MB of columns) */
const REBUILD_BATCH = 1 << 22;

function appendRun(out: EntryBuffer, run: PartitionRun): void {
  for (let i = 0; i < run.serials.length; i++) {
    out.put(
      run.serials[i] as number,
      run.reasons[i] as number,
      run.revokedSec[i] as number,
      run.invalSec === null ? NO_INVALIDITY : (run.invalSec[i] as number),
    );
  }
  for (const [serial, e] of run.long) out.putLong(serial, e);
}

/** what `set` needs to reflect `run`: its entries the set does not hold as they are, and its removals */
export function changesAgainst(set: RevocationSet, run: PartitionRun): EntryBuffer {
  const out = new EntryBuffer(1 << 10);
  const slot: EntrySlot = { reasonCode: -1, revokedAtMs: Number.NaN, invalidityMs: Number.NaN };
  for (let i = 0; i < run.serials.length; i++) {
    const s = run.serials[i] as number;
    const reason = run.reasons[i] as number;
    const rev = run.revokedSec[i] as number;
    const inval = run.invalSec === null ? NO_INVALIDITY : (run.invalSec[i] as number);
    if (
      set.lookupInto(s, slot) &&
      slot.reasonCode === reason &&
      slot.revokedAtMs === rev * 1000 &&
      (Number.isNaN(slot.invalidityMs) ? NO_INVALIDITY : slot.invalidityMs / 1000) === inval
    ) {
      continue;
    }
    out.put(s, reason, rev, inval);
  }
  for (const s of run.removed) out.put(s, REMOVE_FROM_CRL, 0, NO_INVALIDITY);
  for (const [serial, e] of run.long) {
    const was = set.long.get(serial);
    if (was !== undefined && was.reasonCode === e.reasonCode && was.revokedSec === e.revokedSec && was.invalSec === e.invalSec) continue;
    out.putLong(serial, e);
  }
  for (const serial of run.removedLong) out.putLong(serial, { reasonCode: REMOVE_FROM_CRL, revokedSec: 0, invalSec: NO_INVALIDITY });
  return out;
}
