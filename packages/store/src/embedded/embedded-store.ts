/**
 * The embedded store: the same semantics as the Redis store, in process, for a single box, the offline CLI and `npm start`.
 * Its state IS the hot-path structure (per CA a CaState: the merged set and the snapshot readers answer from). With a data
 * directory every switch writes its partition's run (run-files.ts) under a cross-process writer lock, and other processes
 * sharing the directory catch up on change, reading only the runs that changed. Without one, runs are kept in memory.
 */
import { randomBytes } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLockFile, type LockFileOptions } from '@jpki-validator/files';
import { Listeners, SerialQueue, SnapshotAnswers } from '../core/answers.js';
import { BufferedLoader } from '../core/buffered-loader.js';
import { CaState, changesAgainst, type RunSource, type StoredPartition, syncCaState } from '../core/ca-state.js';
import { decodeChanges, encodeSwitchChanges, type MergedChanges, visitChanges } from '../core/changes-codec.js';
import { ChunkBuilder } from '../core/chunk-builder.js';
import type { EntryBuffer } from '../core/entry-buffer.js';
import { newEpoch } from '../core/epoch.js';
import { decideLoad, expectedJson, nextPartitionMeta, parseExpected } from '../core/load-rules.js';
import { MemoryKv } from '../core/memory-kv.js';
import { addedByReason, mergeRun, type PartitionRun, type RunMerge } from '../core/partition-run.js';
import { encodedRunLength } from '../core/run-codec.js';
import type { CaSnapshot } from '../core/snapshot.js';
import { StoreError } from '../errors.js';
import { CrlHighWater } from '../files/crl-high-water.js';
import { writerLockOptions } from '../files/writer-lock.js';
import { GroupSync } from '../files/group-sync.js';
import type {
  BeginLoadOptions,
  CommitReport,
  CrlLoader,
  DataLossNotice,
  DiffSummary,
  GenerationChange,
  LoadOptions,
  PartitionMeta,
  RevocationStore,
  SmallKv,
  SwitchEvent,
} from '../types.js';
import { FileKv } from './file-kv.js';
import { FileOpsRoom } from '../ops/file-ops-room.js';
import type { OpsRoom } from '../ops/ops-room.js';
import { RunFiles, type SwitchRecord } from './run-files.js';

export const DEFAULT_CHUNK_BITS = 20;

export interface EmbeddedStoreOptions {
  /** where the store keeps its files (config `dataDir`); absent: memory only */
  dataDir?: string;
  /** serials per chunk = 2^chunkBits (12 … 24, default 20) */
  chunkBits?: number;
  lockTimeoutMs?: number;
  /** catch up when another process writes the directory (default true with a dataDir) */
  watch?: boolean;
  /** background failures (catching up with a switch another process wrote) */
  onError?: (error: unknown) => void;
  /** a CA's data vanished or was replaced by another epoch's, or the high-water record knows CRLs the store lost */
  onDataLoss?: (notice: DataLossNotice) => void;
  /**
   * false: a writer that never answers (`fetch --once`): it keeps each partition's metadata, merges a load with the partition's
   * own run file and writes it, but holds no merged set — opening costs the run headers, not every entry, and a switch costs the
   * partition, not a patch of the CA's set. Lookups throw METADATA_ONLY (never an answer from a set that is not there); the
   * partitions' metadata is there. Default true.
   */
  holdEntries?: boolean;
}

/** the CRL-number high-water record in the data directory (crl-high-water.ts) */
export const HIGH_WATER_FILE = 'crl-high-water.json';

const SWITCH_FILE = /^switch-(.+)\.json$/;

export class EmbeddedRevocationStore extends SnapshotAnswers implements RevocationStore {
  readonly kv: SmallKv;
  readonly ops: OpsRoom;
  readonly chunkBits: number;
  readonly groupsCommits = true;
  private readonly files: RunFiles | null;
  private readonly options: EmbeddedStoreOptions;
  private readonly cas = new Map<string, CaState>();
  /** memory-only mode: the runs a later load of the same partition merges on */
  private readonly memoryRuns = new Map<string, PartitionRun>();
  private readonly memoryExpected = new Map<string, readonly string[]>();
  /** commits waiting for the committer (drain): taken in groups, one writer-lock turn and one switch notice per group */
  private readonly pending: PendingCommit[] = [];
  private draining = false;
  /** the switches the switch file lists, newest last (per CA): a reader behind by up to RECENT_SWITCHES reads only their runs */
  private readonly recentSwitches = new Map<string, SwitchRecord[]>();
  private readonly catchUps = new Map<string, SerialQueue>();
  private readonly listeners = new Listeners<SwitchEvent>();
  private readonly lossListeners = new Listeners<DataLossNotice>();
  private readonly builder: ChunkBuilder;
  private watcher: FSWatcher | null = null;
  private highWater: CrlHighWater | null = null;
  private readonly groupSync = new GroupSync({ onError: (e) => this.options.onError?.(e) });
  /**
   * The writer lock is taken for a batch of commits — every commit queued while one runs — not per commit, and what another
   * process wrote is caught up with once per CA per batch: a national load queues its partitions' commits back to back.
   */
  private lockRelease: (() => Promise<void>) | null = null;
  private readonly caughtUpInBatch = new Set<string>();
  /** losses already reported, by CA and the epoch lost (each said once) */
  private readonly reportedLoss = new Set<string>();
  private readonly source: RunSource;

  constructor(options: EmbeddedStoreOptions = {}) {
    super();
    this.options = options;
    this.files = options.dataDir === undefined ? null : new RunFiles(options.dataDir);
    this.kv = options.dataDir === undefined ? new MemoryKv() : new FileKv(options.dataDir, this.groupSync);
    this.ops = new FileOpsRoom(options.dataDir ?? null);
    this.chunkBits = options.chunkBits ?? DEFAULT_CHUNK_BITS;
    if (!(Number.isInteger(this.chunkBits) && this.chunkBits >= 12 && this.chunkBits <= 24))
      throw new RangeError(`chunkBits ${this.chunkBits} is not in 12 … 24`);
    this.builder = new ChunkBuilder(this.chunkBits);
    const files = this.files;
    this.source = {
      manifest: async (caId) => {
        if (files === null) return null;
        const ca = await files.readCa(caId);
        const metas = ca === null ? null : await files.readMetas(caId);
        if (ca === null || metas === null || metas.length === 0) return null;
        return { epoch: ca.epoch, generation: Math.max(...metas.map((m) => m.generation)), partitions: metas };
      },
      readRun: async (caId, meta) => (files === null ? null : files.readRun(caId, meta)),
    };
  }

  /** reads every CA in the data directory and starts watching it */
  async open(): Promise<this> {
    if (this.files === null) return this;
    await mkdir(this.files.dataDir, { recursive: true });
    // appends and compactions happen under the writer lock (commitLoad), so the record needs no lock of its own
    this.highWater = await CrlHighWater.open(join(this.files.dataDir, HIGH_WATER_FILE), { lock: false });
    for (const caId of await this.files.caIds()) await this.catchUp(caId);
    if (this.options.watch ?? true) {
      this.watcher = watch(this.files.dataDir, (_event, name) => {
        const m = name === null ? null : SWITCH_FILE.exec(name);
        if (m?.[1] === undefined) return;
        this.catchUp(decodeURIComponent(m[1])).then(
          (ev) => ev && this.listeners.emit(ev, this.options.onError),
          (e: unknown) => this.options.onError?.(e),
        );
      });
    }
    return this;
  }

  /** the hot path: the CA's current generation, or null when never loaded */
  snapshot(caId: string): CaSnapshot | null {
    if (!this.holdEntries) {
      throw new StoreError('METADATA_ONLY', `${caId}: this store was opened to write only (holdEntries: false) and cannot answer lookups`);
    }
    return this.cas.get(caId)?.snapshot ?? null;
  }

  override async partitions(caId: string): Promise<PartitionMeta[]> {
    return [...(this.cas.get(caId)?.snapshot.partitions ?? [])];
  }

  override async partitionMeta(caId: string, partition: string): Promise<PartitionMeta | null> {
    return this.cas.get(caId)?.snapshot.partitions.find((p) => p.partition === partition) ?? null;
  }

  private get holdEntries(): boolean {
    return this.options.holdEntries ?? true;
  }

  async beginLoad(options: BeginLoadOptions): Promise<CrlLoader> {
    return new BufferedLoader(options, {
      commit: (entries, frozen) =>
        new Promise<CommitReport>((resolve, reject) => {
          this.pending.push({ options: frozen, entries, resolve, reject });
          void this.drain();
        }),
      abort: async () => undefined,
    });
  }

  /**
   * The one committer: takes the queued commits in groups (commitGroup) until none is left, then lets other writers in. A commit
   * queued while the lock is being released finds `draining` still set and is taken by the loop's last check.
   */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        while (this.pending.length > 0) {
          const group = this.takeGroup();
          // a fault outside any one commit's steps fails the commits not yet settled (settling twice is a no-op), never strands them
          await this.commitGroup(group).catch((error: unknown) => {
            for (const c of group) c.reject(error);
          });
        }
        await this.endBatch().catch((e: unknown) => this.options.onError?.(e));
        if (this.pending.length === 0) break;
      }
    } finally {
      this.draining = false;
    }
  }

  /** the queued commits of the first one's CA, in order, up to one per partition and GROUP_LIMIT commits */
  private takeGroup(): PendingCommit[] {
    const first = this.pending[0] as PendingCommit;
    const partitions = new Set<string>();
    let n = 0;
    let entries = 0;
    while (n < this.pending.length && n < GROUP_LIMIT) {
      const c = this.pending[n] as PendingCommit;
      if (c.options.caId !== first.options.caId || partitions.has(c.options.partition)) break;
      if (n > 0 && entries + c.entries.count > GROUP_ENTRIES) break;
      partitions.add(c.options.partition);
      entries += c.entries.count;
      n++;
    }
    return this.pending.splice(0, n);
  }

  /** the batch of queued commits is done: let other writers in */
  private async endBatch(): Promise<void> {
    this.caughtUpInBatch.clear();
    const release = this.lockRelease;
    this.lockRelease = null;
    await release?.();
  }

  async caIds(): Promise<string[]> {
    return [...this.cas.keys()].sort();
  }

  async expectedPartitions(caId: string): Promise<readonly string[] | null> {
    if (this.files === null) return this.memoryExpected.get(caId) ?? null;
    return parseExpected(await this.files.readExpected(caId));
  }

  async declarePartitions(caId: string, partitions: readonly string[]): Promise<void> {
    if (this.files === null) this.memoryExpected.set(caId, [...new Set(partitions)].sort());
    else await this.files.writeExpected(caId, expectedJson(partitions));
  }

  async diffGenerations(caId: string, visit: (change: GenerationChange) => void): Promise<DiffSummary> {
    const state = this.cas.get(caId);
    if (state === undefined) return { caId, fromGeneration: 0, toGeneration: 0, changes: 0 };
    const held = state.lastChanges;
    let changes = held === null || held.toGeneration !== state.generation ? null : decodeChanges(held.bytes, `${caId}: latest change list`);
    if (changes === null && this.files !== null) {
      const bytes = await this.files.readChanges(caId);
      changes = bytes === null ? null : decodeChanges(bytes, join(this.files.caDir(caId), 'changes.bin'));
    }
    if (changes === null || changes.toGeneration !== state.generation) {
      return { caId, fromGeneration: state.generation, toGeneration: state.generation, changes: 0 };
    }
    const n = visitChanges(changes, visit);
    return { caId, fromGeneration: changes.fromGeneration, toGeneration: changes.toGeneration, changes: n };
  }

  subscribe(listener: (event: SwitchEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** called on each data loss this store notices (besides `options.onDataLoss`); returns unsubscribe */
  onDataLoss(listener: (notice: DataLossNotice) => void): () => void {
    return this.lossListeners.add(listener);
  }

  /** bytes the merged sets hold in memory (what a validator sharing this store answers from) */
  get memoryBytes(): number {
    let n = 0;
    for (const s of this.cas.values()) n += s.set.byteSize;
    return n;
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = null;
    await this.groupSync.flush();
    await this.highWater?.flush();
    this.listeners.clear();
    this.lossListeners.clear();
  }

  /**
   * Catches up with what other processes wrote for the CA (one catch-up at a time per CA); returns the switch event to re-emit
   * when the generation moved. Another epoch on disk replaces what is held (the data was lost and loaded again); a CA whose
   * files vanished keeps the copy held here (it is the data the files held; the next switch writes it back) and is reported.
   */
  private catchUp(caId: string): Promise<SwitchEvent | null> {
    let queue = this.catchUps.get(caId);
    if (queue === undefined) {
      queue = new SerialQueue();
      this.catchUps.set(caId, queue);
    }
    return queue.run(async () => {
      const held = this.cas.get(caId) ?? null;
      const quick = await this.quickCatchUp(caId, held);
      if (quick !== undefined) return quick;
      const { state, outcome } = await syncCaState(held, this.source, caId, this.chunkBits, this.builder, this.holdEntries);
      if (outcome === 'gone') {
        if (held?.loaded) {
          this.dataLost(caId, held.epoch, null, `the files of ${caId} vanished from the data directory; serving the copy held in memory`);
        }
        return null;
      }
      if (state === null || outcome === 'same') return null;
      if (held !== null && held.epoch !== state.epoch) {
        this.dataLost(
          caId,
          held.epoch,
          state.epoch,
          `the files of ${caId} belong to another epoch (generation ${state.generation}, was ${held.generation})`,
        );
      }
      this.distrustBehindHighWater(state);
      this.cas.set(caId, state);
      const latest = [...state.partitions.values()].reduce<StoredPartition | null>(
        (a, m) => (a === null || m.generation > a.generation ? m : a),
        null,
      );
      return latest === null
        ? null
        : { caId, partition: latest.partition, crlNumber: latest.crlNumber, generation: state.generation, epoch: state.epoch };
    });
  }

  /**
   * The common cases without listing every run file (a commit checks before it merges, so a national load of 1,741 partitions
   * must not read 1,741 headers each time): nothing new (the CA file's epoch and the switch file's generation are what is held),
   * or switches by another process that the switch file lists (its last RECENT_SWITCHES): their partitions' runs, each merged on
   * the run held, are all there is to read. undefined: sync from every run header.
   */
  private async quickCatchUp(caId: string, held: CaState | null): Promise<SwitchEvent | null | undefined> {
    const files = this.files;
    if (files === null || held === null) return undefined;
    const [ca, sw] = await Promise.all([files.readCa(caId), files.readSwitch(caId)]);
    if (ca === null || sw === null || ca.epoch !== held.epoch || sw.epoch !== held.epoch) return undefined;
    if (sw.generation <= held.generation) return null;
    // a file without the list (an older writer's) names its latest switch only
    const listed = sw.recent ?? [{ generation: sw.generation, partition: sw.partition }];
    const since = listed.filter((r) => r.generation > held.generation);
    // every generation since the one held must be listed, each partition once (a partition switched twice: its run was not
    // merged on the run held, and its first switch's removals are not in it)
    if (since.length !== sw.generation - held.generation || new Set(since.map((r) => r.partition)).size !== since.length) return undefined;
    let last: StoredPartition | null = null;
    try {
      for (const r of since) {
        const current = await files.readCurrentRun(caId, r.partition);
        if (current === null || current.meta.generation !== r.generation) return undefined;
        if ((held.partitions.get(r.partition)?.loadId ?? null) !== current.meta.baseLoadId) return undefined;
        if (this.holdEntries) held.applySwitch(current.meta, changesAgainst(held.set, current.run), this.builder, false);
        else held.applyMeta(current.meta, false);
        last = current.meta;
      }
    } finally {
      if (last !== null) held.republish();
    }
    if (last === null) return null;
    return { caId, partition: last.partition, crlNumber: last.crlNumber, generation: held.generation, epoch: held.epoch };
  }

  private dataLost(caId: string, previousEpoch: string | null, currentEpoch: string | null, detail: string, kind = 'lost'): void {
    const key = `${caId}\u0000${previousEpoch ?? ''}\u0000${kind}`;
    if (this.reportedLoss.has(key)) return;
    this.reportedLoss.add(key);
    const notice: DataLossNotice = { caId, previousEpoch, currentEpoch, detectedAtMs: Date.now(), detail };
    this.options.onDataLoss?.(notice);
    this.lossListeners.emit(notice, this.options.onError);
  }

  /**
   * Commits a group of queued loads of one CA in one turn (group commit): one writer-lock turn and one catch-up with other
   * writers, each load merged on its partition's run, the run files written side by side, then every switch made visible in one
   * synchronous step — each partition's switch is atomic, as before; they become visible together — and one change list and
   * one switch notice for the group. The run files are the truth: a crash after some were renamed into place and before the
   * notice leaves those partitions switched on disk (generations above the notice's), which the next reader that lists the
   * run headers — any process opening the store, a reader behind the notice's list — takes up; the notice only tells watchers.
   * Every commit of the group gets its own outcome: a rejected or failed one does not stop the others.
   */
  private async commitGroup(group: PendingCommit[]): Promise<void> {
    const caId = (group[0] as PendingCommit).options.caId;
    const files = this.files;
    try {
      if (files !== null && this.lockRelease === null) {
        this.lockRelease = await acquireLockFile(join(files.dataDir, 'writer.lock'), this.lockOptions());
        await this.highWater?.compactIfLarge();
      }
      if (files !== null && !this.caughtUpInBatch.has(caId)) {
        await this.catchUp(caId);
        this.recentSwitches.set(caId, await this.recentOnDisk(caId));
        this.caughtUpInBatch.add(caId);
      }
      this.noticeLostHighWater(caId, this.cas.get(caId) ?? null);
    } catch (error) {
      for (const c of group) c.reject(error);
      return;
    }
    const prepared: PreparedSwitch[] = [];
    let state = this.cas.get(caId) ?? null;
    let generation = state?.generation ?? 0;
    for (const c of group) {
      const { options, entries } = c;
      try {
        const existing = state?.partitions.get(options.partition);
        const report = { caId, partition: options.partition, crlNumber: options.crlNumber, entries: entries.count };
        const contentId = options.contentId ?? null;
        if (decideLoad(existing, options) === 'noop') {
          if (state !== null) await this.highWater?.record(caId, options.partition, options.crlNumber, contentId, state.epoch);
          c.resolve({ ...report, outcome: 'noop', generation: state?.generation ?? 0, changes: 0, addedByReason: null });
          continue;
        }
        await this.highWater?.check(caId, options.partition, options.crlNumber, contentId);
        const baseRun = existing === undefined ? null : await this.runOf(caId, existing);
        const merge = mergeRun(baseRun, entries);
        if (state === null) {
          state = new CaState(caId, this.chunkBits, newEpoch());
          if (files !== null) await files.writeCa({ format: 1, caId, epoch: state.epoch, chunkBits: this.chunkBits });
        }
        generation++;
        const meta: StoredPartition = {
          ...nextPartitionMeta(existing, options, entries.count, generation, options.loadedAtMs ?? Date.now()),
          loadId: randomBytes(6).toString('hex'),
          baseLoadId: existing?.loadId ?? null,
          runBytes: 0,
        };
        prepared.push({ commit: c, meta, merge, hadBase: baseRun !== null, report });
      } catch (error) {
        c.reject(error);
      }
    }
    if (state === null || prepared.length === 0) return;

    // the run files side by side (each renamed into place whole); a failed write fails its own commit only
    const written = await Promise.all(
      prepared.map(async (p) => {
        try {
          if (files !== null) {
            p.meta.runBytes = await files.writeRun(caId, p.meta, p.merge.run);
            this.groupSync.mark(files.runFile(caId, p.meta.partition));
          } else {
            p.meta.runBytes = encodedRunLength(p.merge.run);
            this.memoryRuns.set(`${caId}\u0000${p.meta.partition}`, p.merge.run);
          }
          return true;
        } catch (error) {
          p.commit.reject(error);
          return false;
        }
      }),
    );
    const done = prepared.filter((_, i) => written[i]);
    if (done.length === 0) return;

    // visible from here: the runs are on disk, the set and the metadata change in one synchronous step
    const fromGeneration = state.generation;
    for (const p of done) {
      if (this.holdEntries) state.set.apply(p.merge.changes, p.meta.loadId, this.builder);
      state.partitions.set(p.meta.partition, p.meta);
      state.generation = p.meta.generation;
    }
    const bytes = encodeSwitchChanges(
      fromGeneration,
      state.generation,
      done.map((p): MergedChanges => p.merge),
    );
    state.lastChanges = { toGeneration: state.generation, bytes };
    state.republish();
    this.cas.set(caId, state);
    const events = done.map(
      (p): SwitchEvent => ({
        caId,
        partition: p.meta.partition,
        crlNumber: p.meta.crlNumber,
        generation: p.meta.generation,
        epoch: state.epoch,
      }),
    );
    let failure: unknown = null;
    try {
      if (files !== null) {
        const recent = [
          ...(this.recentSwitches.get(caId) ?? []),
          ...done.map((p): SwitchRecord => ({ generation: p.meta.generation, partition: p.meta.partition })),
        ].slice(-RECENT_SWITCHES);
        this.recentSwitches.set(caId, recent);
        const latest = done.at(-1) as PreparedSwitch;
        // the change list before the notice: a reader woken by the notice finds the list of the generation it names
        await files.writeChanges(caId, bytes);
        await files.writeSwitch(caId, {
          epoch: state.epoch,
          generation: state.generation,
          partition: latest.meta.partition,
          crlNumber: latest.meta.crlNumber.toString(),
          recent,
        });
      }
      for (const p of done) {
        const o = p.commit.options;
        await this.highWater?.record(caId, o.partition, o.crlNumber, o.contentId ?? null, state.epoch);
      }
    } catch (error) {
      failure = error;
    }
    done.forEach((p, i) => {
      if (failure !== null) p.commit.reject(failure);
      else
        p.commit.resolve({
          ...p.report,
          outcome: 'switched',
          generation: p.meta.generation,
          changes: p.merge.changes.count,
          addedByReason: addedByReason(p.merge, p.hadBase),
        });
      this.listeners.emit(events[i] as SwitchEvent, this.options.onError);
    });
  }

  /**
   * The switches the switch file lists, when they end at the generation held (another writer's, or ours): the list a group
   * extends, so a reader following several writers' turns still reads only the runs that changed. [] when they do not.
   */
  private async recentOnDisk(caId: string): Promise<SwitchRecord[]> {
    const held = this.cas.get(caId);
    const sw = this.files === null || held === undefined ? null : await this.files.readSwitch(caId);
    if (held === undefined || sw === null || sw.epoch !== held.epoch || sw.generation !== held.generation) return [];
    return sw.recent ?? [{ generation: sw.generation, partition: sw.partition }];
  }

  /** the partition's current run: from its file, or (memory only) from memory */
  private async runOf(caId: string, meta: StoredPartition): Promise<PartitionRun | null> {
    if (this.files === null) return this.memoryRuns.get(`${caId}\u0000${meta.partition}`) ?? null;
    const current = await this.files.readCurrentRun(caId, meta.partition);
    return current?.run ?? null;
  }

  /**
   * A partition whose run is older than the CRL the high-water record says was accepted (a crash lost its last, not yet fsynced
   * switch; files restored from a backup) still holds validly signed data, but not the newest: it is treated as stale — its
   * answers `unknown` — until the fetcher loads the partition again, and the loss is reported.
   */
  private distrustBehindHighWater(state: CaState): void {
    const hw = this.highWater;
    if (hw === null) return;
    let behind = 0;
    for (const [name, meta] of state.partitions) {
      const mark = hw.mark(state.caId, name);
      if (mark === undefined || meta.crlNumber >= mark.crlNumber || meta.nextUpdateMs === null) continue;
      state.partitions.set(name, { ...meta, nextUpdateMs: null });
      behind++;
    }
    if (behind === 0) return;
    state.republish();
    this.dataLost(
      state.caId,
      state.epoch,
      state.epoch,
      `${behind} partition(s) of ${state.caId} hold an older CRL than the one accepted (high-water record): stale until loaded again`,
      'behind',
    );
  }

  /** the high-water record knows CRLs of this CA that the store does not hold (or holds under another epoch): a data loss */
  private noticeLostHighWater(caId: string, held: CaState | null): void {
    const hw = this.highWater;
    if (hw === null) return;
    const recorded = hw.epoch(caId);
    const parts = hw.partitionCount(caId);
    if (recorded === undefined || parts === 0) return;
    if (held?.loaded && held.epoch === recorded) return;
    this.dataLost(
      caId,
      recorded,
      held?.loaded ? held.epoch : null,
      held?.loaded
        ? `the store's data for ${caId} belongs to epoch ${held.epoch}, the high-water record to ${recorded}`
        : `the high-water record holds CRL numbers of ${parts} partition(s) of ${caId} the store no longer has`,
    );
  }

  private lockOptions(): LockFileOptions {
    return writerLockOptions(this.options.lockTimeoutMs ?? 30_000);
  }
}

/** a load waiting for the committer */
interface PendingCommit {
  options: LoadOptions;
  entries: EntryBuffer;
  resolve(report: CommitReport): void;
  reject(error: unknown): void;
}

/** a load of a group, merged and given its generation, before its run is written */
interface PreparedSwitch {
  commit: PendingCommit;
  meta: StoredPartition;
  merge: RunMerge;
  hadBase: boolean;
  report: { caId: string; partition: string; crlNumber: bigint; entries: number };
}

/** commits one group takes at most, and entries (a group's merges are held until its runs are written) */
const GROUP_LIMIT = 64;
const GROUP_ENTRIES = 1 << 22;
/** switches the switch file lists: a reader at most this many generations behind reads only their runs */
const RECENT_SWITCHES = 256;

export async function openEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedRevocationStore> {
  return new EmbeddedRevocationStore(options).open();
}
