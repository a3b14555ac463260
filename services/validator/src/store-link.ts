/**
 * How the validator reaches revocation data: the snapshots it answers from (in memory), the small key-value room for the OCSP
 * cache, whether the store answers, and how to let go of it.
 *
 * With Redis the validator keeps a replica (every CA's current generation in memory, swapped on each switch event). Decision
 * (the status API target: bench/RESULTS.md, "Validator API"): while Redis is down the replica keeps answering — it is the same data, and every answer still
 * turns `unknown / crl_stale` once the CRL behind it passes nextUpdate + grace. Until the replica has loaded once, answers are
 * `unknown / store_unavailable` and /readyz is 503.
 */
import type { SnapshotSource } from '@jpki-validator/status';
import {
  createRedisStore,
  startRedisReplica,
  type DataLossNotice,
  type EmbeddedRevocationStore,
  type OpsRoom,
  type RedisReplica,
  type SmallKv,
} from '@jpki-validator/store';
import type { Logger } from 'pino';

/** The store's data losses this validator noticed: the recent ones for /readyz, a count per CA for /metrics. */
export class DataLossLog {
  readonly recent: DataLossNotice[] = [];
  readonly counts = new Map<string, number>();

  add(notice: DataLossNotice): void {
    this.recent.push(notice);
    if (this.recent.length > 32) this.recent.shift();
    this.counts.set(notice.caId, (this.counts.get(notice.caId) ?? 0) + 1);
  }
}

export interface StoreLink {
  kind: 'redis' | 'embedded';
  snapshots: SnapshotSource;
  kv: SmallKv | null;
  /** the store's operations history room (the console reads it; the validator adds its OCSP counters) */
  ops: OpsRoom | null;
  /** data losses noticed (a copy of another epoch dropped, a CA Redis no longer holds, a vanished snapshot) */
  dataLoss: DataLossLog;
  /** false until the data has been read once */
  available(): boolean;
  /** whether the store answers now */
  probe(): Promise<boolean>;
  close(): Promise<void>;
}

/** The embedded store (the same process may be loading it: `start`). `owns`: close it with the link. */
export function linkEmbedded(store: EmbeddedRevocationStore, owns: boolean): StoreLink {
  const dataLoss = new DataLossLog();
  store.onDataLoss((notice) => dataLoss.add(notice));
  return {
    kind: 'embedded',
    snapshots: store,
    kv: store.kv,
    ops: store.ops,
    dataLoss,
    available: () => true,
    probe: async () => true,
    close: async () => {
      if (owns) await store.close();
    },
  };
}

export interface RedisLinkOptions {
  url: string;
  /** key prefix (default `jpki`) */
  prefix?: string;
  logger: Logger;
  /** between attempts to load the replica while Redis is unreachable (default 2 000) */
  retryMs?: number;
  /** how often the replica compares its copy's identity with Redis (default 5 000) */
  verifyMs?: number;
}

/** One retry per command: on a single node its own option, on a Redis Cluster (the store may be given one) its nodes' options. */
function failFast(options: { maxRetriesPerRequest?: number | null; redisOptions?: { maxRetriesPerRequest?: number | null } }): void {
  if (options.redisOptions !== undefined) options.redisOptions.maxRetriesPerRequest = 1;
  else options.maxRetriesPerRequest = 1;
}

/** Connects and starts loading the replica in the background, retrying until Redis answers; never throws for an outage. */
export function linkRedis(options: RedisLinkOptions): StoreLink {
  const store = createRedisStore({
    redis: options.url,
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    onError: (error) => options.logger.warn({ err: error }, 'redis store background error'),
  });
  // the store's commands must fail fast while Redis is down: a PING that waits forever makes /readyz hang
  failFast(store.redis.options);
  // ioredis reconnects by itself; without a listener every failed attempt is an "unhandled error event" on stderr
  store.redis.on('error', (error: unknown) => options.logger.debug({ err: error }, 'redis connection error'));
  let replica: RedisReplica | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const dataLoss = new DataLossLog();
  const attempt = (): void => {
    startRedisReplica(store, {
      onError: (error) => options.logger.warn({ err: error }, 'replica reload failed; serving the generation held'),
      onDataLoss: (notice) => {
        dataLoss.add(notice);
        options.logger.error(
          { caId: notice.caId, previousEpoch: notice.previousEpoch, currentEpoch: notice.currentEpoch, detail: notice.detail },
          'STORE DATA LOSS: Redis no longer holds the generation this validator answered from',
        );
      },
      ...(options.verifyMs === undefined ? {} : { verifyMs: options.verifyMs }),
    })
      .then((r) => {
        if (closed) return r.close();
        replica = r;
        options.logger.info('redis replica loaded');
        return undefined;
      })
      .catch((error: unknown) => {
        if (closed) return;
        options.logger.warn({ err: error }, 'redis replica not loaded yet; retrying');
        timer = setTimeout(attempt, options.retryMs ?? 2_000);
      });
  };
  attempt();
  return {
    kind: 'redis',
    snapshots: { snapshot: (caId) => replica?.snapshot(caId) ?? null },
    kv: store.kv,
    ops: store.ops,
    dataLoss,
    available: () => replica !== null,
    probe: async () => (await store.redis.ping()) === 'PONG',
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await replica?.close();
      await store.close();
    },
  };
}
