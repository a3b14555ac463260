/**
 * The embedded store: the same semantics as the Redis store, in process, for a single box, the offline CLI and `npm start`.
 * Its state IS the hot-path structure (one CaSnapshot per CA, swapped on commit). With a data directory every commit is persisted
 * (one file per CA, atomic rename) under a cross-process writer lock, and other processes sharing the directory reload on change.
 */
import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLockFile, type LockFileOptions, writeFileAtomic } from '@jpki-validator/files';
import { Listeners, SerialQueue, SnapshotAnswers } from '../core/answers.js';
import { applyLoad } from '../core/apply-load.js';
import { BufferedLoader } from '../core/buffered-loader.js';
import { ChunkBuilder } from '../core/chunk-builder.js';
import type { EntryBuffer } from '../core/entry-buffer.js';
import { decideLoad } from '../core/load-rules.js';
import { StoreError } from '../errors.js';
import { MemoryKv } from '../core/memory-kv.js';
import { FileKv } from './file-kv.js';
import { CaSnapshot, diffSnapshots } from '../core/snapshot.js';
import type {
  CommitReport,
  CrlLoader,
  DiffSummary,
  GenerationChange,
  BeginLoadOptions,
  LoadOptions,
  RevocationStore,
  SmallKv,
  SwitchEvent,
} from '../types.js';
import { decodeCaFile, encodeCaFile, type CaFileState } from './snapshot-file.js';

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
}

const FILE_PATTERN = /^ca-(.+)\.snap$/;

interface CaEntry {
  state: CaFileState;
  /** inode of the file this state came from: rename gives every write a new one */
  ino: number;
}

export class EmbeddedRevocationStore extends SnapshotAnswers implements RevocationStore {
  readonly kv: SmallKv;
  readonly chunkBits: number;
  private readonly dataDir: string | null;
  private readonly options: EmbeddedStoreOptions;
  private readonly cas = new Map<string, CaEntry>();
  private readonly commits = new SerialQueue();
  private readonly listeners = new Listeners<SwitchEvent>();
  private builder: ChunkBuilder | null = null;
  private watcher: FSWatcher | null = null;

  constructor(options: EmbeddedStoreOptions = {}) {
    super();
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

  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = null;
    this.listeners.clear();
  }

  private fileOf(caId: string): string {
    return join(this.dataDir ?? '', `ca-${encodeURIComponent(caId)}.snap`);
  }

  /** Loads the CA's file when another process replaced it; returns that write's event when the generation moved. */
  private async refreshFromDisk(caId: string): Promise<SwitchEvent | null> {
    if (this.dataDir === null) return null;
    const path = this.fileOf(caId);
    let ino: number;
    try {
      ino = (await stat(path)).ino;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const known = this.cas.get(caId);
    if (known?.ino === ino) return null;
    const state = decodeCaFile(await readFile(path), path);
    // a watch event can arrive after our own newer commit: never step back
    const now = this.cas.get(caId);
    if (now !== undefined && now.state.current.generation >= state.current.generation) return null;
    this.cas.set(caId, { state, ino });
    return state.lastEvent;
  }

  private async commitLoad(options: LoadOptions, entries: EntryBuffer): Promise<CommitReport> {
    const release = this.dataDir === null ? null : await acquireLockFile(join(this.dataDir, 'writer.lock'), this.lockOptions());
    let event: SwitchEvent | null = null;
    try {
      await this.refreshFromDisk(options.caId);
      const before = this.cas.get(options.caId)?.state ?? {
        current: CaSnapshot.empty(options.caId, this.chunkBits),
        previous: null,
        lastEvent: null,
      };
      const base = before.current;
      const existing = base.partitions.find((p) => p.partition === options.partition);
      const report = { caId: options.caId, partition: options.partition, crlNumber: options.crlNumber, entries: entries.count };
      if (decideLoad(existing, options) === 'noop') return { ...report, outcome: 'noop', generation: base.generation, chunksWritten: 0 };
      this.builder ??= new ChunkBuilder(this.chunkBits);
      const loadId = randomBytes(6).toString('hex');
      const { snapshot, chunksWritten } = applyLoad(base, options, entries, this.builder, loadId, options.loadedAtMs ?? Date.now());
      event = { caId: options.caId, partition: options.partition, crlNumber: options.crlNumber, generation: snapshot.generation };
      const next: CaFileState = { current: snapshot, previous: base.loaded ? base : null, lastEvent: event };
      let ino = -1;
      if (this.dataDir !== null) {
        const path = this.fileOf(options.caId);
        await writeFileAtomic(path, encodeCaFile(next));
        ino = (await stat(path)).ino;
      }
      this.cas.set(options.caId, { state: next, ino });
      return { ...report, outcome: 'switched', generation: snapshot.generation, chunksWritten };
    } finally {
      await release?.();
      if (event !== null) this.listeners.emit(event, this.options.onError);
    }
  }

  private lockOptions(): LockFileOptions {
    return {
      timeoutMs: this.options.lockTimeoutMs ?? 30_000,
      timeoutError: (path, ms) => new StoreError('LOCK_TIMEOUT', `could not take the writer lock ${path} within ${ms} ms`),
    };
  }
}

export async function openEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedRevocationStore> {
  return new EmbeddedRevocationStore(options).open();
}
