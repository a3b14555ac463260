/**
 * The Redis store: per CA one merged set of chunked bitmaps (listed + one per reason) with dates by rank, versioned in copy-on-write
 * generations (see keys.ts). Writers: beginLoad → add… → commit (redis-commit.ts). Readers: one Lua round trip per single lookup,
 * whole-chunk range reads for bulk, and `loadSnapshot` for the in-memory replica (redis-replica.ts), which the validator's hot path
 * uses instead of a round trip per request.
 */
import type { RedisOptions } from 'ioredis';
import { bulkNotLoaded, Listeners } from '../core/answers.js';
import { BufferedLoader } from '../core/buffered-loader.js';
import { ChunkBuilder } from '../core/chunk-builder.js';
import { NO_INVALIDITY, type Chunk } from '../core/chunk.js';
import { BITMAP_SERIAL_LIMIT, type LongEntry } from '../core/entry-buffer.js';
import { metaFromJson, sortPartitions } from '../core/load-rules.js';
import { CaSnapshot, diffSnapshots, fromLong } from '../core/snapshot.js';
import { DEFAULT_CHUNK_BITS } from '../embedded/embedded-store.js';
import { StoreError, storeFailure } from '../errors.js';
import { CrlHighWater } from '../files/crl-high-water.js';
import { newEpoch } from '../core/epoch.js';
import type {
  BulkLookup,
  CrlLoader,
  DataLossNotice,
  DiffSummary,
  GenerationChange,
  BeginLoadOptions,
  LookupAnswer,
  PartitionMeta,
  RevocationStore,
  SmallKv,
  SwitchEvent,
} from '../types.js';
import { readChunks, ChunkCache } from './chunk-reader.js';
import { defineStoreCommands, type StoreCommands } from './commands.js';
import { openRedis, type RedisClient } from './connection.js';
import {
  chunkField,
  createStoreKeys,
  MANIFEST_EPOCH,
  MANIFEST_GENERATION,
  MANIFEST_LONG,
  parseManifest,
  type ChunkKeys,
  type Manifest,
  type StoreKeys,
} from './keys.js';
import { parseLongValue, readLong } from './long-codec.js';
import { commitToRedis } from './redis-commit.js';
import { RedisKv } from './redis-kv.js';

export interface RedisStoreOptions {
  /**
   * a connection (the caller keeps owning it) or a URL (the store opens and closes its own): `redis://…` for one node,
   * `redis+cluster://h1:p1,h2:p2` for a Redis Cluster (connection.ts)
   */
  redis: RedisClient | string;
  /** options of the connection the store opens from a URL (e.g. `maxRetriesPerRequest`) */
  redisOptions?: RedisOptions;
  /** key prefix (default `jpki`); tests use a random one */
  prefix?: string;
  /** serials per chunk = 2^chunkBits (12 … 24, default 20) */
  chunkBits?: number;
  /** a load's keys expire this long after being written unless the switch made them current (default 1 h) */
  pendingTtlMs?: number;
  /** chunk cache budget (default 256 MiB) */
  cacheBytes?: number;
  /** merges retried when other partitions of the CA switch meanwhile (default 8) */
  maxCommitAttempts?: number;
  /**
   * A local file (in the fetcher's data directory) recording the highest CRL number accepted per (CA, partition): commits are
   * checked against it, so a Redis that lost its data cannot be rolled back to an older CRL (files/crl-high-water.ts). Writers
   * should always set it; readers need not.
   */
  highWaterFile?: string;
  onError?: (error: unknown) => void;
  /** a data loss noticed by this store (a commit whose high-water record knows more than Redis; checkIdentity) */
  onDataLoss?: (notice: DataLossNotice) => void;
}

/** What checkIdentity found: per CA known to the high-water record, whether Redis still holds it under the epoch recorded. */
export interface IdentityReport {
  /** CAs whose data Redis lost (nothing held, or another epoch than recorded) */
  lost: DataLossNotice[];
  /** CAs checked */
  checked: number;
}

const READ_ATTEMPTS = 4;

/**
 * A connection the store opens fails fast while Redis is down or hung: one retry after a reconnect (ioredis's default, 20,
 * made a fetch wait ~10 s and then fail with a raw message), and a command that waits longer than 5 s on a frozen node gives
 * up. Callers then get STORE_UNAVAILABLE (retryable) and try again later; the data already loaded keeps serving meanwhile.
 */
const OWNED_CONNECTION_DEFAULTS: RedisOptions = { maxRetriesPerRequest: 1, commandTimeout: 5_000 };

function unwrap<T>(replies: [Error | null, unknown][] | null): T {
  if (replies === null) throw new StoreError('STORE_UNAVAILABLE', 'MULTI aborted');
  return replies.map(([err, v]) => {
    if (err) throw err;
    return v;
  }) as T;
}

export class RedisRevocationStore implements RevocationStore {
  readonly redis: RedisClient & StoreCommands;
  readonly keys: StoreKeys;
  readonly chunkBits: number;
  readonly kv: SmallKv;
  private readonly options: RedisStoreOptions;
  private readonly ownsConnection: boolean;
  private readonly cache: ChunkCache;
  private readonly listeners = new Listeners<SwitchEvent>();
  private readonly reconnectListeners = new Listeners<void>();
  private subscriber: RedisClient | null = null;
  private builder: ChunkBuilder | null = null;
  private highWater: Promise<CrlHighWater> | null = null;
  /** losses already reported, by CA and the epoch lost (each said once) */
  private readonly reportedLoss = new Set<string>();

  constructor(options: RedisStoreOptions) {
    this.options = options;
    this.ownsConnection = typeof options.redis === 'string';
    this.redis = defineStoreCommands(
      typeof options.redis === 'string'
        ? openRedis(options.redis, { ...OWNED_CONNECTION_DEFAULTS, ...options.redisOptions })
        : options.redis,
    );
    // A connection of our own gets an error listener: without one ioredis prints "Unhandled error event" for every failed
    // reconnect while Redis is down. It reconnects by itself; the error is only reported.
    if (this.ownsConnection) this.redis.on('error', (e: unknown) => this.options.onError?.(e));
    this.keys = createStoreKeys(options.prefix ?? 'jpki');
    this.chunkBits = options.chunkBits ?? DEFAULT_CHUNK_BITS;
    if (!(Number.isInteger(this.chunkBits) && this.chunkBits >= 12 && this.chunkBits <= 24))
      throw new RangeError(`chunkBits ${this.chunkBits} is not in 12 … 24`);
    this.cache = new ChunkCache(options.cacheBytes ?? 256 * 2 ** 20);
    this.kv = new RedisKv(this.redis, this.keys);
  }

  private get chunkBytes(): number {
    return 2 ** this.chunkBits / 8;
  }

  /** the high-water record, opened on first use (null without `highWaterFile`) */
  highWaterRecord(): Promise<CrlHighWater | null> {
    const file = this.options.highWaterFile;
    if (file === undefined) return Promise.resolve(null);
    this.highWater ??= CrlHighWater.open(file).catch((e: unknown) => {
      this.highWater = null;
      throw e;
    });
    return this.highWater;
  }

  /** runs a Redis call, turning a connection failure into StoreUnavailableError (typed, retryable, naming what was being done) */
  private async io<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw storeFailure(error, what);
    }
  }

  private dataLost(notice: DataLossNotice): void {
    const key = `${notice.caId}\u0000${notice.previousEpoch ?? ''}`;
    if (this.reportedLoss.has(key)) return;
    this.reportedLoss.add(key);
    this.options.onDataLoss?.(notice);
  }

  /**
   * Compares Redis with the high-water record: a CA the record knows that Redis holds under no epoch or another one has lost its
   * data (the fetcher then reloads every partition of it at once instead of waiting for its schedule). Needs `highWaterFile`.
   */
  async checkIdentity(): Promise<IdentityReport> {
    return this.io('checking the store identity', async () => {
      const hw = await this.highWaterRecord();
      if (hw === null) return { lost: [], checked: 0 };
      const lost: DataLossNotice[] = [];
      const caIds = hw.caIds().filter((caId) => hw.partitions(caId).length > 0);
      for (const caId of caIds) {
        const recorded = hw.epoch(caId) ?? null;
        const epoch = await this.redis.hget(this.keys.ca(caId).current, MANIFEST_EPOCH);
        if (epoch !== null && epoch === recorded) continue;
        const notice: DataLossNotice = {
          caId,
          previousEpoch: recorded,
          currentEpoch: epoch,
          detectedAtMs: Date.now(),
          detail:
            epoch === null
              ? `Redis holds nothing for ${caId}, but CRLs of ${hw.partitions(caId).length} partition(s) of it were accepted here`
              : `Redis holds ${caId} under epoch ${epoch}, the high-water record under ${recorded ?? 'none'}`,
        };
        lost.push(notice);
        this.dataLost(notice);
      }
      return { lost, checked: caIds.length };
    });
  }

  async beginLoad(options: BeginLoadOptions): Promise<CrlLoader> {
    this.keys.ca(options.caId); // validates the id before any work
    return new BufferedLoader(options, {
      commit: async (entries, frozen) =>
        this.io(`committing ${frozen.caId}/${frozen.partition}`, async () =>
          commitToRedis(
            {
              redis: this.redis,
              keys: this.keys,
              chunkBits: this.chunkBits,
              cache: this.cache,
              builder: () => (this.builder ??= new ChunkBuilder(this.chunkBits)),
              pendingTtlMs: this.options.pendingTtlMs ?? 3_600_000,
              maxAttempts: this.options.maxCommitAttempts ?? 8,
              highWater: await this.highWaterRecord(),
              onDataLoss: (notice) => this.dataLost(notice),
            },
            frozen,
            entries,
          ),
        ),
      // nothing is written before commit, and commit cleans up after itself
      abort: async () => undefined,
    });
  }

  async lookup(caId: string, serial: bigint): Promise<LookupAnswer> {
    return this.io('looking a serial up', async () => {
      const caKeys = this.keys.ca(caId);
      const inBitmap = serial >= 0n && serial < BigInt(BITMAP_SERIAL_LIMIT);
      const chunkNo = inBitmap ? Number(serial) >>> this.chunkBits : -1;
      for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
        const [ref, gen, parts] = unwrap<[string | null, string | null, Record<string, string>]>(
          await this.redis
            .multi()
            .hget(caKeys.current, inBitmap ? chunkField(chunkNo) : MANIFEST_LONG)
            .hget(caKeys.current, MANIFEST_GENERATION)
            .hgetall(caKeys.partitions)
            .exec(),
        );
        const answer: LookupAnswer = {
          caId,
          loaded: gen !== null,
          entry: null,
          partitions: partitionsOf(parts),
          generation: Number(gen ?? 0),
        };
        if (ref === null) return answer;
        if (!inBitmap) {
          const value = await this.redis.hget(caKeys.long(ref), serial.toString());
          if (value === null) return answer;
          return { ...answer, entry: fromLong(parseLongValue(value)) };
        }
        const m = parseManifest({ [chunkField(chunkNo)]: ref });
        const mref = m.chunks.get(chunkNo);
        if (mref === undefined) return answer;
        const k = caKeys.chunk(mref.loadId, chunkNo);
        const reply = await this.redis.lookupSerialBuffer(
          k.listed,
          k.reasonsByRank,
          k.dates,
          k.invalidity,
          Number(serial) & (2 ** this.chunkBits - 1),
        );
        if (reply[0] === -1) continue;
        if (reply.length === 1 || reply[0] === 0) return answer;
        const [, reasonCode, dates, inval] = reply;
        const invalSec = inval.length === 4 ? inval.readUInt32LE(0) : NO_INVALIDITY;
        return { ...answer, entry: fromLong({ reasonCode, revokedSec: dates.readUInt32LE(0), invalSec }) };
      }
      throw new StoreError('CONFLICT', `lookup ${caId}: generations kept switching under the read`);
    });
  }

  async lookupMany(caId: string, serials: ArrayLike<number>): Promise<BulkLookup> {
    return this.io('looking serials up', async () => {
      const needed = new Set<number>();
      let anyLong = false;
      for (let i = 0; i < serials.length; i++) {
        const s = serials[i] as number;
        if (s >= 0 && s < BITMAP_SERIAL_LIMIT) needed.add(s >>> this.chunkBits);
        else anyLong = true;
      }
      const snap = await this.readSnapshot(caId, (chunkNo) => needed.has(chunkNo), anyLong);
      return snap === null ? bulkNotLoaded(serials.length) : snap.lookupMany(serials);
    });
  }

  /** the CA's whole current generation in memory (what the replica serves from); null when never loaded */
  async loadSnapshot(caId: string): Promise<CaSnapshot | null> {
    return this.io('reading a generation', async () => {
      return this.readSnapshot(caId, () => true, true);
    });
  }

  async partitions(caId: string): Promise<PartitionMeta[]> {
    return this.io('reading partition metadata', async () => {
      return partitionsOf(await this.redis.hgetall(this.keys.ca(caId).partitions));
    });
  }

  async partitionMeta(caId: string, partition: string): Promise<PartitionMeta | null> {
    return this.io('reading partition metadata', async () => {
      const json = await this.redis.hget(this.keys.ca(caId).partitions, partition);
      return json === null ? null : metaFromJson(json);
    });
  }

  /**
   * The store's identity, made on first use: a random id under `<prefix>:id`. A fetcher that sees it vanish or change knows
   * Redis lost its data (every key at once: a restart without persistence, FLUSHALL, a failover to an empty replica).
   */
  async storeId(): Promise<string> {
    return this.io('reading the store identity', async () => {
      await this.redis.set(this.keys.identity, newEpoch(), 'NX');
      const id = await this.redis.get(this.keys.identity);
      if (id === null) throw new StoreError('STORE_UNAVAILABLE', `${this.keys.identity} vanished right after it was set`);
      return id;
    });
  }

  /** the store's identity as it is now, without making one (null: none, e.g. after a data loss) */
  async currentStoreId(): Promise<string | null> {
    return this.io('reading the store identity', async () => {
      return this.redis.get(this.keys.identity);
    });
  }

  /** the CA's (epoch, generation) now: what a replica compares with the copy it holds (null: Redis holds nothing for the CA) */
  async identity(caId: string): Promise<{ epoch: string; generation: number } | null> {
    return this.io('reading a CA identity', async () => {
      const [epoch, gen] = await this.redis.hmget(this.keys.ca(caId).current, MANIFEST_EPOCH, MANIFEST_GENERATION);
      return epoch === null || epoch === undefined ? null : { epoch, generation: Number(gen ?? 0) };
    });
  }

  /**
   * A loader lists a CA just before its first switch (on a Redis Cluster the set and the CA's keys sit in different slots, so
   * the switch script cannot add it atomically; see redis-commit.ts), hence only ids whose current manifest exists count.
   */
  async caIds(): Promise<string[]> {
    return this.io('listing CAs', async () => {
      const listed = await this.redis.smembers(this.keys.cas);
      const exists = await Promise.all(listed.map((caId) => this.redis.exists(this.keys.ca(caId).current)));
      return listed.filter((_, i) => exists[i] === 1).sort();
    });
  }

  /** key names of a generation's chunks, for set algebra in Redis (BITOP AND with a watch-list bitmap of the same chunk) */
  async chunkKeys(caId: string, which: 'current' | 'previous'): Promise<Map<number, ChunkKeys>> {
    const caKeys = this.keys.ca(caId);
    const m = parseManifest(await this.redis.hgetall(which === 'current' ? caKeys.current : caKeys.previous));
    return new Map([...m.chunks].map(([chunkNo, ref]) => [chunkNo, caKeys.chunk(ref.loadId, chunkNo)]));
  }

  async diffGenerations(caId: string, visit: (change: GenerationChange) => void): Promise<DiffSummary> {
    return this.io('diffing generations', async () => {
      const caKeys = this.keys.ca(caId);
      for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
        const [cur, prev, parts] = unwrap<[Record<string, string>, Record<string, string>, Record<string, string>]>(
          await this.redis.multi().hgetall(caKeys.current).hgetall(caKeys.previous).hgetall(caKeys.partitions).exec(),
        );
        const after = parseManifest(cur);
        const before = parseManifest(prev);
        const differs = (chunkNo: number): boolean => after.chunks.get(chunkNo)?.loadId !== before.chunks.get(chunkNo)?.loadId;
        const curSnap = await this.snapshotOf(caId, after, partitionsOf(parts), differs, after.longLoadId !== before.longLoadId);
        const prevSnap =
          before.generation === 0 ? null : await this.snapshotOf(caId, before, [], differs, after.longLoadId !== before.longLoadId);
        if (curSnap === null || (before.generation !== 0 && prevSnap === null)) continue;
        const changes = diffSnapshots(prevSnap, curSnap, visit);
        return { caId, fromGeneration: before.generation, toGeneration: after.generation, changes };
      }
      throw new StoreError('CONFLICT', `diff ${caId}: generations kept switching under the read`);
    });
  }

  subscribe(listener: (event: SwitchEvent) => void): () => void {
    if (this.subscriber === null) {
      const sub = this.redis.duplicate();
      this.subscriber = sub;
      // Without a listener ioredis prints "Unhandled error event" on every reconnect attempt while Redis is down; it reconnects
      // and resubscribes by itself, so the error is only reported.
      sub.on('error', (e: unknown) => this.options.onError?.(e));
      // Switch events published while the subscription was down are lost: whoever keeps a copy must re-read it then.
      let connectedBefore = false;
      sub.on('ready', () => {
        if (connectedBefore) this.reconnectListeners.emit(undefined, this.options.onError);
        connectedBefore = true;
      });
      sub.on('message', (channel: string, message: string) => {
        if (channel !== this.keys.channel) return;
        try {
          const o = JSON.parse(message) as { caId: string; partition: string; crlNumber: string; generation: number; epoch?: string };
          this.listeners.emit(
            { caId: o.caId, partition: o.partition, crlNumber: BigInt(o.crlNumber), generation: o.generation, epoch: o.epoch ?? '' },
            this.options.onError,
          );
        } catch (e) {
          this.options.onError?.(e);
        }
      });
      sub.subscribe(this.keys.channel).catch((e: unknown) => this.options.onError?.(e));
    }
    return this.listeners.add(listener);
  }

  /** called each time the pub/sub connection is back after a loss (switch events may have been missed meanwhile) */
  onResubscribed(listener: () => void): () => void {
    return this.reconnectListeners.add(listener);
  }

  /** resolves once the pub/sub subscription is active (switches before that are not seen) */
  async subscribed(): Promise<void> {
    if (this.subscriber === null) this.subscribe(() => undefined);
    await this.subscriber?.subscribe(this.keys.channel);
  }

  /** never waits on a Redis that is down: QUIT only on a live connection (and briefly), else the connection is cut */
  async close(): Promise<void> {
    this.listeners.clear();
    this.reconnectListeners.clear();
    if (this.subscriber !== null) await closeConnection(this.subscriber);
    this.subscriber = null;
    if (this.ownsConnection) await closeConnection(this.redis);
  }

  private async readSnapshot(caId: string, wantChunk: (chunkNo: number) => boolean, wantLong: boolean): Promise<CaSnapshot | null> {
    const caKeys = this.keys.ca(caId);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const [cur, parts] = unwrap<[Record<string, string>, Record<string, string>]>(
        await this.redis.multi().hgetall(caKeys.current).hgetall(caKeys.partitions).exec(),
      );
      const manifest = parseManifest(cur);
      if (manifest.generation === 0) return null;
      const snap = await this.snapshotOf(caId, manifest, partitionsOf(parts), wantChunk, wantLong);
      if (snap !== null) return snap;
    }
    throw new StoreError('CONFLICT', `read ${caId}: generations kept switching under the read`);
  }

  /** a snapshot holding only the wanted chunks of a manifest; null when they vanished meanwhile */
  private async snapshotOf(
    caId: string,
    manifest: Manifest,
    partitions: PartitionMeta[],
    wantChunk: (chunkNo: number) => boolean,
    wantLong: boolean,
  ): Promise<CaSnapshot | null> {
    const caKeys = this.keys.ca(caId);
    const refs = [...manifest.chunks.values()].filter((r) => wantChunk(r.chunkNo));
    const chunks: Map<number, Chunk> | null = await readChunks(this.redis, caKeys, refs, this.chunkBytes, this.cache);
    if (chunks === null) return null;
    let long = new Map<bigint, LongEntry>();
    if (wantLong && manifest.longLoadId !== null) {
      const key = caKeys.long(manifest.longLoadId);
      long = await readLong(this.redis, key);
      if (long.size === 0) return null; // a stored long hash is never empty: it vanished
    }
    return new CaSnapshot(caId, manifest.generation, this.chunkBits, chunks, long, partitions, manifest.epoch ?? '');
  }
}

/** QUIT when connected (at most 1 s), then disconnect: whatever Redis's state, the connection is gone when this resolves */
async function closeConnection(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      redis.quit().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 1_000);
      }),
    ]);
    clearTimeout(timer);
  }
  redis.disconnect();
}

function partitionsOf(fields: Record<string, string>): PartitionMeta[] {
  return sortPartitions(Object.values(fields).map(metaFromJson));
}

export function createRedisStore(options: RedisStoreOptions): RedisRevocationStore {
  return new RedisRevocationStore(options);
}
