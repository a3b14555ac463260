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
import type { DataLossNotice, PartitionMeta, RevocationReader, SwitchEvent } from '../types.js';
import type { RedisRevocationStore } from './redis-store.js';
import { withinMs } from './within-ms.js';
import { StoreError } from '../errors.js';

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
  /**
   * every this many identity checks, the partitions the copy holds are compared with Redis's (CRL number and load time of each)
   * even when the (epoch, generation) agree, and a copy that disagrees is rebuilt from Redis and reported (default 6: every
   * 30 s at the default check interval; 0: never). A safety net under the generation check, for a copy that reached Redis's generation without its data.
   */
  auditEvery?: number;
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
      this.verifies++;
      try {
        const caIds = new Set([...this.snapshots.keys(), ...(await this.bounded(this.store.caIds(), 'listing the CAs'))]);
        for (const caId of caIds) {
          const id = await this.bounded(this.store.identity(caId), `reading the identity of ${caId}`);
          const held = this.snapshots.get(caId);
          const differs =
            id === null ? held !== undefined : held === undefined || held.epoch !== id.epoch || held.generation < id.generation;
          if (differs) await this.reload(caId);
          // a generation behind the copy's (Redis lost writes: a failover to a lagging replica, a restore), or the copy's number
          // made by another switch (Redis lost writes and counted up to it again), is checked at once
          else if (id !== null && held !== undefined && (held.generation > id.generation || otherSwitch(held, id) || this.auditDue()))
            await this.reconcile(caId, held, id);
        }
      } finally {
        this.verifying = null;
      }
    })();
    return this.verifying;
  }

  private verifies = 0;

  private auditDue(): boolean {
    const every = this.options.auditEvery ?? 6;
    return every > 0 && this.verifies % every === 0;
  }

  /**
   * The copy's partitions against Redis's when the generation numbers cannot tell: Redis behind the copy's generation within the
   * same epoch (it lost writes the copy had seen — a failover to a replica that lagged, a restore — and counts those generations
   * again with other content), or a periodic audit at the same generation. Redis switching meanwhile is not a disagreement (the
   * next check catches up as usual). Where Redis holds an older CRL than the copy for any partition, the copy is kept (it holds
   * revocations Redis lost; the fetchers load them again) and the loss reported; where Redis holds the same or newer CRLs but not
   * the copy's, the store's merged copy is dropped, rebuilt from Redis and swapped in whatever the generation numbers say.
   */
  private async reconcile(caId: string, held: CaSnapshot, id: { epoch: string; generation: number }): Promise<void> {
    const redisMetas = await this.bounded(this.store.partitions(caId), `reading the partitions of ${caId}`);
    const now = await this.bounded(this.store.identity(caId), `reading the identity of ${caId}`);
    if (now === null || now.epoch !== id.epoch || now.generation !== id.generation) return;
    if (this.snapshots.get(caId) !== held) return;
    const mine = new Map(held.partitions.map((m) => [m.partition, m]));
    const same = (m: PartitionMeta): boolean => {
      const h = mine.get(m.partition);
      return h !== undefined && h.crlNumber === m.crlNumber && h.loadedAtMs === m.loadedAtMs;
    };
    if (redisMetas.length === mine.size && redisMetas.every(same)) return;
    const redisCrl = new Map(redisMetas.map((m) => [m.partition, m.crlNumber]));
    const behind = [...mine.values()].filter((h) => (redisCrl.get(h.partition) ?? -1n) < h.crlNumber).map((h) => h.partition);
    if (behind.length > 0) {
      this.dataLost(
        held,
        id.epoch,
        `Redis went back to generation ${id.generation} of ${caId} (the copy holds ${held.generation}) and holds older CRLs for ${behind.length} partition(s) (${behind.slice(0, 5).join(', ')}); serving the copy held until Redis has them again`,
        `behind:${id.generation}`,
      );
      return;
    }
    this.onError(
      new StoreError(
        'STORE_UNAVAILABLE',
        `the copy of ${caId} (generation ${held.generation}) disagrees with Redis's partitions (generation ${id.generation}); rebuilt from Redis`,
      ),
    );
    this.store.forget(caId);
    await this.reload(caId, undefined, true);
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
  reload(caId: string, onStart?: () => void, replace = false): Promise<void> {
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
      if (held === undefined || held.generation < snap.generation || replace) this.snapshots.set(caId, snap);
    });
  }

  /** `work`, or a STORE_UNAVAILABLE rejection once it has waited redisWaitMs */
  private bounded<T>(work: Promise<T>, what: string): Promise<T> {
    return withinMs(work, this.options.redisWaitMs ?? 30_000, what);
  }

  private dataLost(held: CaSnapshot, currentEpoch: string | null, detail: string, kind = 'lost'): void {
    const key = `${held.caId}\u0000${held.epoch}\u0000${kind}`;
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

/** the same generation number made by another switch than the copy's: other content (both named: stores before names say nothing) */
function otherSwitch(held: CaSnapshot, id: { generation: number; lastSwitch: string | null }): boolean {
  return held.generation === id.generation && held.lastSwitch !== null && id.lastSwitch !== null && held.lastSwitch !== id.lastSwitch;
}

export async function startRedisReplica(
  store: RedisRevocationStore,
  options?: RedisReplicaOptions | ((error: unknown) => void),
): Promise<RedisReplica> {
  return new RedisReplica(store, options).start();
}
