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
import { BITMAP_SERIAL_LIMIT, inBitmapRange } from '../core/bitmap-range.js';
import type { LongEntry } from '../core/entry-buffer.js';
import { metaFromJson, sortPartitions } from '../core/load-rules.js';
import { CaSnapshot, diffSnapshots, fromLong } from '../core/snapshot.js';
import { DEFAULT_CHUNK_BITS } from '../embedded/embedded-store.js';
import { StoreError } from '../errors.js';
import type {
  BulkLookup,
  CrlLoader,
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
  onError?: (error: unknown) => void;
}

const READ_ATTEMPTS = 4;

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
  private subscriber: RedisClient | null = null;
  private builder: ChunkBuilder | null = null;

  constructor(options: RedisStoreOptions) {
    this.options = options;
    this.ownsConnection = typeof options.redis === 'string';
    this.redis = defineStoreCommands(typeof options.redis === 'string' ? openRedis(options.redis, options.redisOptions) : options.redis);
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

  async beginLoad(options: BeginLoadOptions): Promise<CrlLoader> {
    this.keys.ca(options.caId); // validates the id before any work
    return new BufferedLoader(options, {
      commit: (entries, frozen) =>
        commitToRedis(
          {
            redis: this.redis,
            keys: this.keys,
            chunkBits: this.chunkBits,
            cache: this.cache,
            builder: () => (this.builder ??= new ChunkBuilder(this.chunkBits)),
            pendingTtlMs: this.options.pendingTtlMs ?? 3_600_000,
            maxAttempts: this.options.maxCommitAttempts ?? 8,
          },
          frozen,
          entries,
        ),
      // nothing is written before commit, and commit cleans up after itself
      abort: async () => undefined,
    });
  }

  async lookup(caId: string, serial: bigint): Promise<LookupAnswer> {
    const caKeys = this.keys.ca(caId);
    const inBitmap = inBitmapRange(serial);
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
  }

  async lookupMany(caId: string, serials: ArrayLike<number>): Promise<BulkLookup> {
    const needed = new Set<number>();
    let anyLong = false;
    for (let i = 0; i < serials.length; i++) {
      const s = serials[i] as number;
      if (s >= 0 && s < BITMAP_SERIAL_LIMIT) needed.add(s >>> this.chunkBits);
      else anyLong = true;
    }
    const snap = await this.readSnapshot(caId, (chunkNo) => needed.has(chunkNo), anyLong);
    return snap === null ? bulkNotLoaded(serials.length) : snap.lookupMany(serials);
  }

  /** the CA's whole current generation in memory (what the replica serves from); null when never loaded */
  async loadSnapshot(caId: string): Promise<CaSnapshot | null> {
    return this.readSnapshot(caId, () => true, true);
  }

  async partitions(caId: string): Promise<PartitionMeta[]> {
    return partitionsOf(await this.redis.hgetall(this.keys.ca(caId).partitions));
  }

  /**
   * A loader lists a CA just before its first switch (on a Redis Cluster the set and the CA's keys sit in different slots, so
   * the switch script cannot add it atomically; see redis-commit.ts), hence only ids whose current manifest exists count.
   */
  async caIds(): Promise<string[]> {
    const listed = await this.redis.smembers(this.keys.cas);
    const exists = await Promise.all(listed.map((caId) => this.redis.exists(this.keys.ca(caId).current)));
    return listed.filter((_, i) => exists[i] === 1).sort();
  }

  /** key names of a generation's chunks, for set algebra in Redis (BITOP AND with a watch-list bitmap of the same chunk) */
  async chunkKeys(caId: string, which: 'current' | 'previous'): Promise<Map<number, ChunkKeys>> {
    const caKeys = this.keys.ca(caId);
    const m = parseManifest(await this.redis.hgetall(which === 'current' ? caKeys.current : caKeys.previous));
    return new Map([...m.chunks].map(([chunkNo, ref]) => [chunkNo, caKeys.chunk(ref.loadId, chunkNo)]));
  }

  async diffGenerations(caId: string, visit: (change: GenerationChange) => void): Promise<DiffSummary> {
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
  }

  subscribe(listener: (event: SwitchEvent) => void): () => void {
    if (this.subscriber === null) {
      const sub = this.redis.duplicate();
      this.subscriber = sub;
      // Without a listener ioredis prints "Unhandled error event" on every reconnect attempt while Redis is down; it reconnects
      // and resubscribes by itself, so the error is only reported.
      sub.on('error', (e: unknown) => this.options.onError?.(e));
      sub.on('message', (channel: string, message: string) => {
        if (channel !== this.keys.channel) return;
        try {
          const o = JSON.parse(message) as { caId: string; partition: string; crlNumber: string; generation: number };
          this.listeners.emit(
            { caId: o.caId, partition: o.partition, crlNumber: BigInt(o.crlNumber), generation: o.generation },
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

  /** resolves once the pub/sub subscription is active (switches before that are not seen) */
  async subscribed(): Promise<void> {
    if (this.subscriber === null) this.subscribe(() => undefined);
    await this.subscriber?.subscribe(this.keys.channel);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.subscriber?.quit().catch(() => undefined);
    this.subscriber = null;
    if (this.ownsConnection) await this.redis.quit().catch(() => undefined);
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
    return new CaSnapshot(caId, manifest.generation, this.chunkBits, chunks, long, partitions);
  }
}

function partitionsOf(fields: Record<string, string>): PartitionMeta[] {
  return sortPartitions(Object.values(fields).map(metaFromJson));
}

export function createRedisStore(options: RedisStoreOptions): RedisRevocationStore {
  return new RedisRevocationStore(options);
}
