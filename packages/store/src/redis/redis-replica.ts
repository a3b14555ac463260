/**
 * The validator's in-memory copy of the Redis store: every CA's current generation as a CaSnapshot, rebuilt on each switch event
 * (only the chunks the switch rewrote are fetched: the others come from the chunk cache) and swapped by reference, so a lookup never
 * waits on Redis.
 *
 * While Redis is down the replica keeps answering from the last generation it holds: it is the same data, and every answer carries
 * the partitions' nextUpdate, so the caller still turns it into `unknown / crl_stale` once the CRL behind it is no longer fresh.
 */
import { Listeners, SerialQueue, SnapshotAnswers } from '../core/answers.js';
import type { CaSnapshot } from '../core/snapshot.js';
import type { RevocationReader, SwitchEvent } from '../types.js';
import type { RedisRevocationStore } from './redis-store.js';

export class RedisReplica extends SnapshotAnswers implements RevocationReader {
  private readonly store: RedisRevocationStore;
  private readonly snapshots = new Map<string, CaSnapshot>();
  private readonly listeners = new Listeners<SwitchEvent>();
  private readonly reloads = new Map<string, SerialQueue>();
  private unsubscribe: (() => void) | null = null;
  private readonly onError: (error: unknown) => void;

  constructor(store: RedisRevocationStore, onError: (error: unknown) => void = () => undefined) {
    super();
    this.store = store;
    this.onError = onError;
  }

  /** subscribes first, then loads every CA, so no switch falls between the two */
  async start(): Promise<this> {
    this.unsubscribe = this.store.subscribe((event) => {
      this.reload(event.caId).then(
        () => this.listeners.emit(event, this.onError),
        (e: unknown) => this.onError(e),
      );
    });
    await this.store.subscribed();
    for (const caId of await this.store.caIds()) await this.reload(caId);
    return this;
  }

  /** hot path: the current generation held in memory */
  snapshot(caId: string): CaSnapshot | null {
    return this.snapshots.get(caId) ?? null;
  }

  /** re-reads one CA (one reload at a time per CA; a newer generation is never replaced by an older read) */
  reload(caId: string): Promise<void> {
    let queue = this.reloads.get(caId);
    if (queue === undefined) {
      queue = new SerialQueue();
      this.reloads.set(caId, queue);
    }
    return queue.run(async () => {
      const snap = await this.store.loadSnapshot(caId);
      const held = this.snapshots.get(caId);
      if (snap !== null && (held === undefined || held.generation < snap.generation)) this.snapshots.set(caId, snap);
    });
  }

  async caIds(): Promise<string[]> {
    return [...this.snapshots.keys()].sort();
  }

  /** called after the replica has swapped in the switched generation */
  subscribe(listener: (event: SwitchEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.listeners.clear();
  }
}

export async function startRedisReplica(store: RedisRevocationStore, onError?: (error: unknown) => void): Promise<RedisReplica> {
  return new RedisReplica(store, onError).start();
}
