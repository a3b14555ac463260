/**
 * The embedded store: the same semantics as the Redis store, in process, for a single box, the offline CLI and `npm start`.
 * Its state IS the hot-path structure (one CaSnapshot per CA, swapped on commit). With a data directory every commit is persisted
 * (one file per CA, atomic rename) under a cross-process writer lock, and other processes sharing the directory reload on change.
 */
import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { answerFromSnapshot, bulkNotLoaded, Listeners, SerialQueue } from '../core/answers.js';
import { applyLoad } from '../core/apply-load.js';
import { BufferedLoader } from '../core/buffered-loader.js';
import { ChunkBuilder } from '../core/chunk-builder.js';
import type { EntryBuffer } from '../core/entry-buffer.js';
import { decideLoad } from '../core/load-rules.js';
import { MemoryKv } from '../core/memory-kv.js';
import { FileKv } from './file-kv.js';
import { CaSnapshot, diffSnapshots } from '../core/snapshot.js';
import type {
  BulkLookup,
  CommitReport,
  CrlLoader,
  DiffSummary,
  GenerationChange,
  BeginLoadOptions,
  DataLossNotice,
  LoadOptions,
  LookupAnswer,
  PartitionMeta,
  RevocationStore,
  SmallKv,
  SwitchEvent,
} from '../types.js';
import { acquireLock } from '../files/lock-file.js';
import { CrlHighWater } from '../files/crl-high-water.js';
import { newEpoch } from '../core/epoch.js';
import { decodeCaFile, encodeCaFile, writeFileAtomic, type CaFileState } from './snapshot-file.js';

export const DEFAULT_CHUNK_BITS = 20;

export interface EmbeddedStoreOptions {
  /** where snapshots live (CONTRACT `dataDir`); absent: memory only */
  dataDir?: string;
  /** serials per chunk = 2^chunkBits (12 … 24, default 20) */
  chunkBits?: number;
  lockTimeoutMs?: number;
  /** reload when another process writes the directory (default true with a dataDir) */
  watch?: boolean;
  /** background failures (a reload of a file another process wrote) */
  onError?: (error: unknown) => void;
  /** a CA's snapshot vanished or was replaced by another epoch's, or the high-water record knows CRLs the store lost */
  onDataLoss?: (notice: DataLossNotice) => void;
}

/** the CRL-number high-water record in the data directory (crl-high-water.ts) */
export const HIGH_WATER_FILE = 'crl-high-water.json';

const FILE_PATTERN = /^ca-(.+)\.snap$/;

interface CaEntry {
  state: CaFileState;
  /** inode of the file this state came from: rename gives every write a new one */
  ino: number;
}

export class EmbeddedRevocationStore implements RevocationStore {
  readonly kv: SmallKv;
  readonly chunkBits: number;
  private readonly dataDir: string | null;
  private readonly options: EmbeddedStoreOptions;
  private readonly cas = new Map<string, CaEntry>();
  private readonly commits = new SerialQueue();
  private readonly listeners = new Listeners<SwitchEvent>();
  private readonly lossListeners = new Listeners<DataLossNotice>();
  private builder: ChunkBuilder | null = null;
  private watcher: FSWatcher | null = null;
  private highWater: CrlHighWater | null = null;
  /** losses already reported, by CA and the epoch lost (each said once) */
  private readonly reportedLoss = new Set<string>();

  constructor(options: EmbeddedStoreOptions = {}) {
    this.options = options;
    this.dataDir = options.dataDir ?? null;
    this.kv = this.dataDir === null ? new MemoryKv() : new FileKv(this.dataDir);
    this.chunkBits = options.chunkBits ?? DEFAULT_CHUNK_BITS;
    if (!(Number.isInteger(this.chunkBits) && this.chunkBits >= 12 && this.chunkBits <= 24))
      throw new RangeError(`chunkBits ${this.chunkBits} is not in 12 … 24`);
  }

  /** reads every snapshot in the data directory and starts watching it */
  async open(): Promise<this> {
    if (this.dataDir === null) return this;
    await mkdir(this.dataDir, { recursive: true });
    this.highWater = await CrlHighWater.open(join(this.dataDir, HIGH_WATER_FILE));
    for (const name of await readdir(this.dataDir)) {
      const m = FILE_PATTERN.exec(name);
      if (m?.[1] !== undefined) await this.refreshFromDisk(decodeURIComponent(m[1]));
    }
    if (this.options.watch ?? true) {
      this.watcher = watch(this.dataDir, (_event, name) => {
        const m = name === null ? null : FILE_PATTERN.exec(name);
        if (m?.[1] === undefined) return;
        const caId = decodeURIComponent(m[1]);
        this.refreshFromDisk(caId).then(
          (ev) => ev && this.listeners.emit(ev, this.options.onError),
          (e: unknown) => this.options.onError?.(e),
        );
      });
    }
    return this;
  }

  /** the hot path: the CA's current generation, or null when never loaded */
  snapshot(caId: string): CaSnapshot | null {
    return this.cas.get(caId)?.state.current ?? null;
  }

  async beginLoad(options: BeginLoadOptions): Promise<CrlLoader> {
    return new BufferedLoader(options, {
      commit: (entries, frozen) => this.commits.run(() => this.commitLoad(frozen, entries)),
      abort: async () => undefined,
    });
  }

  async lookup(caId: string, serial: bigint): Promise<LookupAnswer> {
    return answerFromSnapshot(caId, this.snapshot(caId), serial);
  }

  async lookupMany(caId: string, serials: ArrayLike<number>): Promise<BulkLookup> {
    return this.snapshot(caId)?.lookupMany(serials) ?? bulkNotLoaded(serials.length);
  }

  async partitions(caId: string): Promise<PartitionMeta[]> {
    return [...(this.snapshot(caId)?.partitions ?? [])];
  }

  async partitionMeta(caId: string, partition: string): Promise<PartitionMeta | null> {
    return this.snapshot(caId)?.partitions.find((p) => p.partition === partition) ?? null;
  }

  async caIds(): Promise<string[]> {
    return [...this.cas.keys()].sort();
  }

  async diffGenerations(caId: string, visit: (change: GenerationChange) => void): Promise<DiffSummary> {
    const st = this.cas.get(caId)?.state;
    if (st === undefined) return { caId, fromGeneration: 0, toGeneration: 0, changes: 0 };
    const changes = diffSnapshots(st.previous, st.current, visit);
    return { caId, fromGeneration: st.previous?.generation ?? 0, toGeneration: st.current.generation, changes };
  }

  subscribe(listener: (event: SwitchEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** called on each data loss this store notices (besides `options.onDataLoss`); returns unsubscribe */
  onDataLoss(listener: (notice: DataLossNotice) => void): () => void {
    return this.lossListeners.add(listener);
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = null;
    this.listeners.clear();
    this.lossListeners.clear();
  }

  private fileOf(caId: string): string {
    return join(this.dataDir ?? '', `ca-${encodeURIComponent(caId)}.snap`);
  }

  /**
   * Loads the CA's file when another process replaced it; returns that write's event when the generation moved. A file of
   * another epoch replaces what is held whatever its generation (the store lost its data and started again); a vanished file
   * is a data loss too, but the copy held here is kept: it is the data the file held (and the next commit writes it back).
   */
  private async refreshFromDisk(caId: string): Promise<SwitchEvent | null> {
    if (this.dataDir === null) return null;
    const path = this.fileOf(caId);
    const known = this.cas.get(caId);
    let ino: number;
    try {
      ino = (await stat(path)).ino;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (known !== undefined && known.ino !== -1)
        this.dataLost(caId, known.state.current.epoch, null, `snapshot ${path} vanished; serving the copy held in memory`);
      return null;
    }
    if (known?.ino === ino) return null;
    const state = decodeCaFile(await readFile(path), path);
    const now = this.cas.get(caId);
    if (now !== undefined && now.state.current.epoch !== state.current.epoch) {
      this.dataLost(
        caId,
        now.state.current.epoch,
        state.current.epoch,
        `snapshot ${path} belongs to another epoch (generation ${state.current.generation}, was ${now.state.current.generation})`,
      );
    } else if (now !== undefined && now.state.current.generation >= state.current.generation) {
      // a watch event can arrive after our own newer commit: never step back
      return null;
    }
    this.cas.set(caId, { state, ino });
    return state.lastEvent;
  }

  private dataLost(caId: string, previousEpoch: string | null, currentEpoch: string | null, detail: string): void {
    const key = `${caId}\u0000${previousEpoch ?? ''}`;
    if (this.reportedLoss.has(key)) return;
    this.reportedLoss.add(key);
    const notice: DataLossNotice = { caId, previousEpoch, currentEpoch, detectedAtMs: Date.now(), detail };
    this.options.onDataLoss?.(notice);
    this.lossListeners.emit(notice, this.options.onError);
  }

  private async commitLoad(options: LoadOptions, entries: EntryBuffer): Promise<CommitReport> {
    const release = this.dataDir === null ? null : await acquireLock(join(this.dataDir, 'writer.lock'), this.lockOptions());
    let event: SwitchEvent | null = null;
    try {
      await this.refreshFromDisk(options.caId);
      const before = this.cas.get(options.caId)?.state ?? {
        current: CaSnapshot.empty(options.caId, this.chunkBits),
        previous: null,
        lastEvent: null,
      };
      const base = before.current;
      this.noticeLostHighWater(base);
      const existing = base.partitions.find((p) => p.partition === options.partition);
      const report = { caId: options.caId, partition: options.partition, crlNumber: options.crlNumber, entries: entries.count };
      const contentId = options.contentId ?? null;
      if (decideLoad(existing, options) === 'noop') {
        await this.highWater?.record(options.caId, options.partition, options.crlNumber, contentId, base.epoch);
        return { ...report, outcome: 'noop', generation: base.generation, chunksWritten: 0 };
      }
      await this.highWater?.check(options.caId, options.partition, options.crlNumber, contentId);
      this.builder ??= new ChunkBuilder(this.chunkBits);
      const loadId = randomBytes(6).toString('hex');
      const epoch = base.loaded ? base.epoch : newEpoch();
      const loadedAtMs = options.loadedAtMs ?? Date.now();
      const { snapshot, chunksWritten } = applyLoad(base, options, entries, this.builder, loadId, loadedAtMs, epoch);
      event = { caId: options.caId, partition: options.partition, crlNumber: options.crlNumber, generation: snapshot.generation, epoch };
      const next: CaFileState = { current: snapshot, previous: base.loaded ? base : null, lastEvent: event };
      let ino = -1;
      if (this.dataDir !== null) {
        const path = this.fileOf(options.caId);
        await writeFileAtomic(path, encodeCaFile(next));
        ino = (await stat(path)).ino;
      }
      this.cas.set(options.caId, { state: next, ino });
      await this.highWater?.record(options.caId, options.partition, options.crlNumber, contentId, epoch);
      return { ...report, outcome: 'switched', generation: snapshot.generation, chunksWritten };
    } finally {
      await release?.();
      if (event !== null) this.listeners.emit(event, this.options.onError);
    }
  }

  /** the high-water record knows CRLs of this CA that the store does not hold (or holds under another epoch): a data loss */
  private noticeLostHighWater(base: CaSnapshot): void {
    const hw = this.highWater;
    if (hw === null) return;
    const recorded = hw.epoch(base.caId);
    if (recorded === undefined || hw.partitions(base.caId).length === 0) return;
    if (base.loaded && base.epoch === recorded) return;
    this.dataLost(
      base.caId,
      recorded,
      base.loaded ? base.epoch : null,
      base.loaded
        ? `the store's data for ${base.caId} belongs to epoch ${base.epoch}, the high-water record to ${recorded}`
        : `the high-water record holds CRL numbers of ${hw.partitions(base.caId).length} partition(s) of ${base.caId} the store no longer has`,
    );
  }

  private lockOptions(): { timeoutMs?: number } {
    return this.options.lockTimeoutMs === undefined ? {} : { timeoutMs: this.options.lockTimeoutMs };
  }
}

export async function openEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedRevocationStore> {
  return new EmbeddedRevocationStore(options).open();
}
