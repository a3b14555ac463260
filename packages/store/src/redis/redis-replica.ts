/**
 * The validator's in-memory copy of the Redis store: every CA's current generation as a CaSnapshot, rebuilt on each switch event
 * (only the chunks the switch rewrote are fetched: the others come from the chunk cache) and swapped by reference, so a lookup never
 * waits on Redis.
 *
 * While Redis is down the replica keeps answering from the last generation it holds: it is the same data, and every answer carries
 * the partitions' nextUpdate, so the caller still turns it into `unknown / crl_stale` once the CRL behind it is no longer fresh.
 *
 * Store identity: a generation is named by (epoch, generation). When Redis loses its data the generations count from 1 again
 * under a new epoch; a copy of another epoch is dropped for the new one whatever the generation numbers say (holding on to it
 * would hide every revocation loaded since — a wrong `good`). While Redis holds nothing for a CA the copy is kept (it is the
 * data Redis held), and the loss is reported once per lost epoch (onDataLoss). Switch events missed while the subscription was
 * down, or lost with the data, are caught up by a re-read on every resubscription and a periodic identity check.
 */
import { Listeners, SerialQueue, SnapshotAnswers } from '../core/answers.js';
import type { CaSnapshot } from '../core/snapshot.js';
import type { DataLossNotice, RevocationReader, SwitchEvent } from '../types.js';
import type { RedisRevocationStore } from './redis-store.js';
import { withinMs } from './within-ms.js';

export interface RedisReplicaOptions {
  /** background failures (a reload that could not read Redis) */
  onError?: (error: unknown) => void;
  /** Redis lost a CA's data: its copy here belongs to an epoch Redis no longer has */
  onDataLoss?: (notice: DataLossNotice) => void;
  /** how often every CA's (epoch, generation) is compared with Redis, in case a switch event was missed (default 5 000; 0: never) */
  verifyMs?: number;
  /**
   * how long one reload or identity check may wait on Redis before it is given up (default 30 000). Every later reload of the
   * CA queues behind the one running and every later check behind the one running: a command that never settles (a cluster
   * client's offline queue across an outage) would otherwise freeze the copy for good — found by the lab, where validators that
   * lived through a whole-cluster outage kept serving the old epoch, ready, after the fetchers had reloaded everything.
   */
  redisWaitMs?: number;
}

/** notices kept for /readyz */
const NOTICES_KEPT = 32;

export class RedisReplica extends SnapshotAnswers implements RevocationReader {
  private readonly store: RedisRevocationStore;
  private readonly snapshots = new Map<string, CaSnapshot>();
  private readonly listeners = new Listeners<SwitchEvent>();
  private readonly reloads = new Map<string, SerialQueue>();
  /** per CA, the reload queued for switch events that has not started yet */
  private readonly queuedReloads = new Map<string, Promise<void>>();
  private readonly options: RedisReplicaOptions;
  private readonly onError: (error: unknown) => void;
  private readonly reportedLoss = new Set<string>();
  private readonly lossNotices: DataLossNotice[] = [];
  private unsubscribe: (() => void) | null = null;
  private unwatchReconnect: (() => void) | null = null;
  private verifyTimer: NodeJS.Timeout | null = null;
  private verifying: Promise<void> | null = null;

  constructor(store: RedisRevocationStore, options: RedisReplicaOptions | ((error: unknown) => void) = {}) {
    super();
    this.store = store;
    this.options = typeof options === 'function' ? { onError: options } : options;
    this.onError = this.options.onError ?? (() => undefined);
  }

  /** subscribes first, then loads every CA, so no switch falls between the two */
  async start(): Promise<this> {
    this.unsubscribe = this.store.subscribe((event) => {
      this.reloadSoon(event.caId).then(
        () => this.listeners.emit(event, this.onError),
        (e: unknown) => this.onError(e),
      );
    });
    await this.store.subscribed();
    for (const caId of await this.store.caIds()) await this.reload(caId);
    this.unwatchReconnect = this.store.onResubscribed(() => {
      this.verify().catch((e: unknown) => this.onError(e));
    });
    const every = this.options.verifyMs ?? 5_000;
    if (every > 0) {
      this.verifyTimer = setInterval(() => {
        this.verify().catch((e: unknown) => this.onError(e));
      }, every);
      this.verifyTimer.unref();
    }
    return this;
  }

  /** hot path: the current generation held in memory */
  snapshot(caId: string): CaSnapshot | null {
    return this.snapshots.get(caId) ?? null;
  }

  /** the data losses noticed, most recent last (bounded) */
  dataLossNotices(): readonly DataLossNotice[] {
    return this.lossNotices;
  }

  /**
   * Compares every CA's (epoch, generation) in Redis with the copy held and re-reads the ones that differ: catches switch events
   * missed while the subscription was down and data lost meanwhile. One check at a time.
   */
  verify(): Promise<void> {
    this.verifying ??= (async () => {
      try {
        const caIds = new Set([...this.snapshots.keys(), ...(await this.bounded(this.store.caIds(), 'listing the CAs'))]);
        for (const caId of caIds) {
          const id = await this.bounded(this.store.identity(caId), `reading the identity of ${caId}`);
          const held = this.snapshots.get(caId);
          const differs =
            id === null ? held !== undefined : held === undefined || held.epoch !== id.epoch || held.generation < id.generation;
          if (differs) await this.reload(caId);
        }
      } finally {
        this.verifying = null;
      }
    })();
    return this.verifying;
  }

  /**
   * A reload for a switch event: joins the CA's reload that is queued and not yet started, if any — it reads Redis after this
   * switch, so it holds it. A cold national load sends 1,741 events in seconds; a reload each (every partition's metadata read
   * and parsed per reload: quadratic) kept Redis busy answering the validator while the fetcher's commits waited.
   */
  private reloadSoon(caId: string): Promise<void> {
    const queued = this.queuedReloads.get(caId);
    if (queued !== undefined) return queued;
    const reload = this.reload(caId, () => {
      if (this.queuedReloads.get(caId) === reload) this.queuedReloads.delete(caId);
    });
    this.queuedReloads.set(caId, reload);
    return reload;
  }

  /**
   * Re-reads one CA (one reload at a time per CA; `onStart` is called as it starts reading). Within an epoch a newer generation is never replaced by an older read; a
   * generation of another epoch always replaces the copy (the store lost its data and was loaded again).
   */
  reload(caId: string, onStart?: () => void): Promise<void> {
    let queue = this.reloads.get(caId);
    if (queue === undefined) {
      queue = new SerialQueue();
      this.reloads.set(caId, queue);
    }
    return queue.run(async () => {
      onStart?.();
      // a late answer to a read given up is dropped with the rejection: it can never replace what a later read brought
      const snap = await this.bounded(this.store.loadSnapshot(caId), `reloading ${caId}`);
      const held = this.snapshots.get(caId);
      if (snap === null) {
        if (held !== undefined) {
          this.dataLost(
            held,
            null,
            `Redis holds nothing for ${caId} any more; serving the copy held (generation ${held.generation}) while it is fresh`,
          );
        }
        return;
      }
      if (held !== undefined && held.epoch !== snap.epoch) {
        this.dataLost(
          held,
          snap.epoch,
          `Redis holds ${caId} under a new epoch (generation ${snap.generation}); the copy of generation ${held.generation} is dropped for it`,
        );
        this.snapshots.set(caId, snap);
        return;
      }
      if (held === undefined || held.generation < snap.generation) this.snapshots.set(caId, snap);
    });
  }

  /** `work`, or a STORE_UNAVAILABLE rejection once it has waited redisWaitMs */
  private bounded<T>(work: Promise<T>, what: string): Promise<T> {
    return withinMs(work, this.options.redisWaitMs ?? 30_000, what);
  }

  private dataLost(held: CaSnapshot, currentEpoch: string | null, detail: string): void {
    const key = `${held.caId}\u0000${held.epoch}`;
    if (this.reportedLoss.has(key)) return;
    this.reportedLoss.add(key);
    const notice: DataLossNotice = { caId: held.caId, previousEpoch: held.epoch, currentEpoch, detectedAtMs: Date.now(), detail };
    this.lossNotices.push(notice);
    if (this.lossNotices.length > NOTICES_KEPT) this.lossNotices.shift();
    this.options.onDataLoss?.(notice);
  }

  async caIds(): Promise<string[]> {
    return [...this.snapshots.keys()].sort();
  }

  async expectedPartitions(caId: string): Promise<readonly string[] | null> {
    return this.store.expectedPartitions(caId);
  }

  /** called after the replica has swapped in the switched generation */
  subscribe(listener: (event: SwitchEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.unwatchReconnect?.();
    this.unwatchReconnect = null;
    if (this.verifyTimer !== null) clearInterval(this.verifyTimer);
    this.verifyTimer = null;
    this.listeners.clear();
  }
}

export async function startRedisReplica(
  store: RedisRevocationStore,
  options?: RedisReplicaOptions | ((error: unknown) => void),
): Promise<RedisReplica> {
  return new RedisReplica(store, options).start();
}
