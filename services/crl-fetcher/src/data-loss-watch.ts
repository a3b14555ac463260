/**
 * The queue worker's watch over the store's identity. When Redis loses its data it loses the CRLs, the fetcher's conditional-GET
 * records and BullMQ's job schedulers all at once: with nothing scheduled, the worker would idle while validators' copies go
 * stale. Every `everyMs` (and after each reconnect) it checks
 * - the store's identity key (`<prefix>:id`): gone or changed means every key was lost;
 * - every CA the high-water record knows: held by Redis under the epoch recorded, or lost (a Redis Cluster can lose one shard);
 * and on a loss puts the job schedulers back and queues a run of every partition concerned now, instead of at its next schedule.
 * Each loss is acted on once.
 */
import type { RedisRevocationStore } from '@jpki-validator/store';
import type { Logger } from './logger.js';

export interface DataLossWatchOptions {
  store: RedisRevocationStore;
  logger: Logger;
  /** default 10 000 */
  everyMs?: number;
  /** what to do about a loss: `all` when the whole store was lost, else the CA ids */
  reload(scope: 'all' | readonly string[]): Promise<void>;
}

export interface DataLossWatch {
  /** one check now (also what the timer runs) */
  check(): Promise<void>;
  close(): void;
}

export async function startDataLossWatch(options: DataLossWatchOptions): Promise<DataLossWatch> {
  const { store, logger } = options;
  let knownId: string | null = await store.storeId().catch(() => null);
  const handled = new Set<string>();
  let running: Promise<void> | null = null;

  const checkOnce = async (): Promise<void> => {
    const id = await store.currentStoreId();
    if (knownId !== null && id !== knownId) {
      logger.error(
        { previousStoreId: knownId, storeId: id },
        'STORE DATA LOSS: Redis lost every key (restart without persistence, FLUSHALL or failover to an empty replica); job schedulers restored and every partition reloading',
      );
      knownId = await store.storeId();
      await options.reload('all');
      return;
    }
    knownId ??= await store.storeId();
    const { lost } = await store.checkIdentity();
    const fresh = lost.filter((n) => {
      const key = `${n.caId}\u0000${n.previousEpoch ?? ''}\u0000${n.currentEpoch ?? ''}`;
      if (handled.has(key)) return false;
      handled.add(key);
      return true;
    });
    if (fresh.length > 0) await options.reload(fresh.map((n) => n.caId));
  };
  const check = (): Promise<void> => {
    running ??= checkOnce().finally(() => {
      running = null;
    });
    return running;
  };
  const onReconnect = (): void => {
    check().catch((error: unknown) => logger.warn({ err: error }, 'store identity check failed'));
  };
  store.redis.on('ready', onReconnect);
  const timer = setInterval(onReconnect, options.everyMs ?? 10_000);
  timer.unref();
  return {
    check,
    close() {
      clearInterval(timer);
      store.redis.off('ready', onReconnect);
    },
  };
}
