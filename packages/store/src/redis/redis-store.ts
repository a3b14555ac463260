/**
 * The Redis store: per (CA, partition) one run — every entry its CRLs listed, sorted, 9 bytes an entry — and per CA a small
 * hash of partition metadata and the generation (see keys.ts). Writers: beginLoad → add… → commit (redis-commit.ts), which
 * rewrites only its partition's run. Readers merge the runs into an in-memory set (core/ca-state.ts) and catch up per changed
 * run: lookups, `loadSnapshot` and the replica (redis-replica.ts) all answer from that merged copy, never one round trip per
 * serial.
 */
import type { RedisOptions } from 'ioredis';
import { bulkNotLoaded, Listeners, SerialQueue } from '../core/answers.js';
import { BufferedLoader } from '../core/buffered-loader.js';
import {
  type CaManifest,
  type CaState,
  publicMeta,
  type RunSource,
  type StoredPartition,
  SyncConflict,
  syncCaState,
} from '../core/ca-state.js';
import { decodeChanges, visitChanges } from '../core/changes-codec.js';
import { ChunkBuilder } from '../core/chunk-builder.js';
import { newEpoch } from '../core/epoch.js';
import { expectedJson, metaFromJson, parseExpected, sortPartitions } from '../core/load-rules.js';
import type { CaSnapshot } from '../core/snapshot.js';
import { DEFAULT_CHUNK_BITS } from '../embedded/embedded-store.js';
import { StoreError, storeFailure } from '../errors.js';
import { withinMs } from './within-ms.js';
import { CrlHighWater } from '../files/crl-high-water.js';
import type {
  BeginLoadOptions,
  BulkLookup,
  CrlLoader,
  DataLossNotice,
  DiffSummary,
  GenerationChange,
  LookupAnswer,
  PartitionMeta,
  RevocationStore,
  SmallKv,
  SwitchEvent,
} from '../types.js';
import { defineStoreCommands, type StoreCommands } from './commands.js';
import { openRedis, type RedisClient } from './connection.js';
import { CURRENT_EPOCH, CURRENT_GENERATION, CURRENT_LAST_SWITCH, createStoreKeys, type StoreKeys } from './keys.js';
import { commitToRedis, readRun } from './redis-commit.js';
import { RedisKv } from './redis-kv.js';
import { RedisOpsRoom } from '../ops/redis-ops-room.js';
import type { OpsRoom } from '../ops/ops-room.js';

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
  /** serials per chunk of the in-memory merged set = 2^chunkBits (12 … 24, default 20) */
  chunkBits?: number;
  /** a load's keys expire this long after being written unless the switch made them current (default 1 h) */
  pendingTtlMs?: number;
  /** merges retried when the same partition switches under the merge (default 8) */
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
  /**
   * how long one read of a catch-up (the CA's manifest, a partition's run) may wait on Redis before the catch-up is given up
   * (default 20 000): catch-ups of a CA run one after another, so a read that never settles would hold up every later one
   */
  readWaitMs?: number;
}

/** What checkIdentity found: per CA known to the high-water record, whether Redis still holds it under the epoch recorded. */
export interface IdentityReport {
  /** CAs whose data Redis lost (nothing held, or another epoch than recorded) */
  lost: DataLossNotice[];
  /** CAs checked */
  checked: number;
}

/**
 * A connection the store opens fails fast while Redis is down or hung: one retry after a reconnect (ioredis's default, 20,
 * made a fetch wait ~10 s and then fail with a raw message), and a command that waits longer than 5 s on a frozen node gives
 * up. Callers then get STORE_UNAVAILABLE (retryable) and try again later; the data already loaded keeps serving meanwhile.
 */
const OWNED_CONNECTION_DEFAULTS: RedisOptions = { maxRetriesPerRequest: 1, commandTimeout: 5_000 };

export class RedisRevocationStore implements RevocationStore {
  readonly redis: RedisClient & StoreCommands;
  readonly keys: StoreKeys;
  readonly chunkBits: number;
  readonly kv: SmallKv;
  readonly ops: OpsRoom;
  private readonly options: RedisStoreOptions;
  private readonly ownsConnection: boolean;
  private readonly listeners = new Listeners<SwitchEvent>();
  private readonly reconnectListeners = new Listeners<void>();
  private subscriber: RedisClient | null = null;
  private highWater: Promise<CrlHighWater> | null = null;
  /** losses already reported, by CA and the epoch lost (each said once) */
  private readonly reportedLoss = new Set<string>();
  /** the merged copy of each CA read so far (what lookups and snapshots answer from) */
  private readonly states = new Map<string, CaState>();
  private readonly syncs = new Map<string, SerialQueue>();
  private readonly builder: ChunkBuilder;
  private readonly source: RunSource;

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
    this.builder = new ChunkBuilder(this.chunkBits);
    this.kv = new RedisKv(this.redis, this.keys);
    this.ops = new RedisOpsRoom(this.redis, this.keys);
    this.source = {
      manifest: (caId) => this.bounded(this.manifest(caId), `reading the manifest of ${caId}`),
      readRun: (caId, meta) =>
        this.bounded(readRun(this, this.keys.ca(caId), meta), `reading run ${meta.loadId} of ${caId}/${meta.partition}`),
    };
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
        const epoch = await this.redis.hget(this.keys.ca(caId).current, CURRENT_EPOCH);
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
    const snap = await this.loadSnapshot(caId);
    if (snap === null) return { caId, loaded: false, entry: null, partitions: [], generation: 0 };
    return { caId, loaded: snap.loaded, entry: snap.lookup(serial), partitions: [...snap.partitions], generation: snap.generation };
  }

  async lookupMany(caId: string, serials: ArrayLike<number>): Promise<BulkLookup> {
    const snap = await this.loadSnapshot(caId);
    return snap === null ? bulkNotLoaded(serials.length) : snap.lookupMany(serials);
  }

  /**
   * The CA's current generation as a snapshot of this store's merged copy (caught up with Redis first: only the runs that
   * changed since the last call are read); null when Redis holds nothing for the CA.
   */
  async loadSnapshot(caId: string): Promise<CaSnapshot | null> {
    return this.io('reading a generation', async () => {
      const state = await this.sync(caId);
      return state === null ? null : state.snapshot;
    });
  }

  async partitions(caId: string): Promise<PartitionMeta[]> {
    return this.io('reading partition metadata', async () =>
      sortPartitions(Object.values(await this.redis.hgetall(this.keys.ca(caId).partitions)).map((j) => publicMeta(storedMeta(j)))),
    );
  }

  async partitionMeta(caId: string, partition: string): Promise<PartitionMeta | null> {
    return this.io('reading partition metadata', async () => {
      const json = await this.redis.hget(this.keys.ca(caId).partitions, partition);
      return json === null ? null : publicMeta(storedMeta(json));
    });
  }

  async expectedPartitions(caId: string): Promise<readonly string[] | null> {
    return this.io('reading the expected partitions', async () => parseExpected(await this.redis.get(this.keys.ca(caId).expected)));
  }

  async declarePartitions(caId: string, partitions: readonly string[]): Promise<void> {
    await this.io('declaring the expected partitions', async () => {
      await this.redis.set(this.keys.ca(caId).expected, expectedJson(partitions));
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
    return this.io('reading the store identity', () => this.redis.get(this.keys.identity));
  }

  /** drops the merged copy held of a CA: the next read rebuilds it from Redis (a reader whose copy disagreed with Redis) */
  forget(caId: string): void {
    this.states.delete(caId);
  }

  /**
   * the CA's (epoch, generation) now, and the switch that made the generation: what a replica compares with the copy it holds
   * (null: Redis holds nothing for the CA; lastSwitch null: written before switches were named)
   */
  async identity(caId: string): Promise<{ epoch: string; generation: number; lastSwitch: string | null } | null> {
    return this.io('reading a CA identity', async () => {
      const [epoch, gen, last] = await this.redis.hmget(this.keys.ca(caId).current, CURRENT_EPOCH, CURRENT_GENERATION, CURRENT_LAST_SWITCH);
      return epoch === null || epoch === undefined ? null : { epoch, generation: Number(gen ?? 0), lastSwitch: last ?? null };
    });
  }

  /**
   * A loader lists a CA just before its first switch (on a Redis Cluster the set and the CA's keys sit in different slots, so
   * the switch script cannot add it atomically; see redis-commit.ts), hence only ids whose current hash exists count.
   */
  async caIds(): Promise<string[]> {
    return this.io('listing CAs', async () => {
      const listed = await this.redis.smembers(this.keys.cas);
      const exists = await Promise.all(listed.map((caId) => this.redis.exists(this.keys.ca(caId).current)));
      return listed.filter((_, i) => exists[i] === 1).sort();
    });
  }

  /** the latest switch's changes (the store keeps one switch's worth: each switch replaces them) */
  async diffGenerations(caId: string, visit: (change: GenerationChange) => void): Promise<DiffSummary> {
    return this.io('diffing generations', async () => {
      const caKeys = this.keys.ca(caId);
      const replies = await this.redis.multi().getBuffer(caKeys.changes).hget(caKeys.current, CURRENT_GENERATION).exec();
      if (replies === null) throw new StoreError('STORE_UNAVAILABLE', 'MULTI aborted');
      const [[err1, bytes], [err2, gen]] = replies as [[Error | null, Buffer | null], [Error | null, string | null]];
      if (err1) throw err1;
      if (err2) throw err2;
      const generation = Number(gen ?? 0);
      if (bytes === null) return { caId, fromGeneration: generation, toGeneration: generation, changes: 0 };
      const changes = visitChanges(decodeChanges(bytes, caKeys.changes), visit);
      return { caId, fromGeneration: generation - 1, toGeneration: generation, changes };
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

  /** bytes the merged copies hold in memory */
  get memoryBytes(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.set.byteSize;
    return n;
  }

  /** never waits on a Redis that is down: QUIT only on a live connection (and briefly), else the connection is cut */
  async close(): Promise<void> {
    this.listeners.clear();
    this.reconnectListeners.clear();
    if (this.subscriber !== null) await closeConnection(this.subscriber);
    this.subscriber = null;
    if (this.ownsConnection) await closeConnection(this.redis);
  }

  /** runs a Redis call, turning a connection failure into StoreUnavailableError (typed, retryable, naming what was being done) */
  private async io<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof SyncConflict) throw new StoreError('CONFLICT', error.message, { cause: error });
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
   * The merged copy of the CA, caught up with Redis (one catch-up at a time per CA). Another epoch in Redis replaces the copy;
   * when Redis holds nothing for the CA the copy is dropped too (a reader that must keep answering keeps its own snapshot:
   * RedisReplica). null: nothing in Redis.
   */
  private sync(caId: string): Promise<CaState | null> {
    let queue = this.syncs.get(caId);
    if (queue === undefined) {
      queue = new SerialQueue();
      this.syncs.set(caId, queue);
    }
    return queue.run(async () => {
      const held = this.states.get(caId) ?? null;
      if (held !== null) {
        const [epoch, gen, last] = await this.bounded(
          this.redis.hmget(this.keys.ca(caId).current, CURRENT_EPOCH, CURRENT_GENERATION, CURRENT_LAST_SWITCH),
          `reading the generation of ${caId}`,
        );
        // the number alone is not enough: Redis that lost writes counts generations again with other content (see holdsManifest)
        if (epoch === held.epoch && Number(gen ?? 0) === held.generation && (last ?? null) === held.lastSwitch) return held;
      }
      const { state, outcome } = await syncCaState(held, this.source, caId, this.chunkBits, this.builder);
      if (outcome === 'gone' || state === null) {
        this.states.delete(caId);
        return null;
      }
      this.states.set(caId, state);
      return state;
    });
  }

  private bounded<T>(work: Promise<T>, what: string): Promise<T> {
    return withinMs(work, this.options.readWaitMs ?? 20_000, what);
  }

  private async manifest(caId: string): Promise<CaManifest | null> {
    const caKeys = this.keys.ca(caId);
    const replies = await this.redis
      .multi()
      .hmget(caKeys.current, CURRENT_EPOCH, CURRENT_GENERATION, CURRENT_LAST_SWITCH)
      .hgetall(caKeys.partitions)
      .exec();
    if (replies === null) throw new StoreError('STORE_UNAVAILABLE', 'MULTI aborted');
    const [[err1, cur], [err2, parts]] = replies as [[Error | null, (string | null)[]], [Error | null, Record<string, string>]];
    if (err1) throw err1;
    if (err2) throw err2;
    const epoch = cur[0] ?? null;
    if (epoch === null) return null;
    return { epoch, generation: Number(cur[1] ?? 0), partitions: Object.values(parts).map(storedMeta), lastSwitch: cur[2] ?? null };
  }
}

function storedMeta(json: string): StoredPartition {
  return metaFromJson(json) as StoredPartition;
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

export function createRedisStore(options: RedisStoreOptions): RedisRevocationStore {
  return new RedisRevocationStore(options);
}
