/** Builds the reader answers from a snapshot (shared by the embedded store and the Redis replica). */
import type { BulkLookup, LookupAnswer, PartitionMeta } from '../types.js';
import type { CaSnapshot } from './snapshot.js';

export function answerFromSnapshot(caId: string, snap: CaSnapshot | null, serial: bigint): LookupAnswer {
  if (snap === null) return { caId, loaded: false, entry: null, partitions: [], generation: 0 };
  return { caId, loaded: snap.loaded, entry: snap.lookup(serial), partitions: [...snap.partitions], generation: snap.generation };
}

/** The reader answers of a store that holds each CA's current snapshot in memory: the embedded store, the Redis replica. */
export abstract class SnapshotAnswers {
  abstract snapshot(caId: string): CaSnapshot | null;

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
}

export function bulkNotLoaded(n: number): BulkLookup {
  return {
    reasonCodes: new Int8Array(n).fill(-1),
    revokedAtMs: new Float64Array(n).fill(Number.NaN),
    invalidityMs: new Float64Array(n).fill(Number.NaN),
    partitions: [],
    loaded: false,
    generation: 0,
  };
}

/** runs tasks one after another (commits of one store instance), whatever each one's outcome */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** a small set of listeners; one throwing does not stop the others */
export class Listeners<E> {
  private readonly set = new Set<(event: E) => void>();

  add(listener: (event: E) => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  emit(event: E, onError?: (e: unknown) => void): void {
    for (const l of this.set) {
      try {
        l(event);
      } catch (e) {
        onError?.(e);
      }
    }
  }

  clear(): void {
    this.set.clear();
  }
}
