/**
 * One REDIS_URL for a single Redis (or a primary with replicas behind one address) and for a Redis Cluster:
 *
 *   redis://[user:password@]host:port[/db]                       one node (ioredis URL syntax)
 *   redis+cluster://[user:password@]h1:p1,h2:p2[,…]              a Redis Cluster, given any of its nodes (the rest are discovered)
 *   rediss+cluster://…                                            the same over TLS
 *
 * Everything that connects to Redis (store, fetcher locks, BullMQ queues, replica subscriber) opens its connection here, so
 * a cluster needs nothing but the URL. What a cluster changes for the keys (hash tags) is decided where the keys are built.
 */
import { createRequire } from 'node:module';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { StoreError } from '../errors.js';

type IoRedis = typeof import('ioredis');
let ioredis: IoRedis | undefined;
/** ioredis loads on first use: ~0.1 s of start-up that the embedded store and the offline commands never need */
function loadIoRedis(): IoRedis {
  return (ioredis ??= createRequire(import.meta.url)('ioredis') as IoRedis);
}

/** a connection the store and the services accept: one node or a cluster (both speak the same commands) */
export type RedisClient = Redis | Cluster;

export interface ClusterUrl {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

const CLUSTER_SCHEMES = /^(rediss?)\+cluster:\/\//i;

export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEMES.test(url);
}

/** the nodes and credentials of a `redis+cluster://` URL; a StoreError REDIS_URL_INVALID naming the part that is wrong */
export function parseClusterUrl(url: string): ClusterUrl {
  const scheme = CLUSTER_SCHEMES.exec(url);
  if (scheme === null) throw new StoreError('REDIS_URL_INVALID', `${redact(url)} is not a redis+cluster:// or rediss+cluster:// URL`);
  let rest = url.slice(scheme[0].length).replace(/\/+$/, '');
  if (/[/?#]/.test(rest))
    throw new StoreError('REDIS_URL_INVALID', `${redact(url)}: a cluster URL takes no path or query (a cluster has only database 0)`);
  const out: ClusterUrl = { nodes: [], tls: scheme[1]?.toLowerCase() === 'rediss' };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth);
    const password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) : '';
    if (user !== '') out.username = user;
    if (password !== '') out.password = password;
  }
  for (const [i, node] of rest.split(',').entries()) {
    const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(node.trim());
    const port = Number(m?.[2] ?? 6379);
    if (m === null || m[1] === undefined || port < 1 || port > 65535) {
      throw new StoreError('REDIS_URL_INVALID', `${redact(url)}: node ${i + 1} ${JSON.stringify(node)} is not host:port`);
    }
    out.nodes.push({ host: m[1].replace(/^\[|\]$/g, ''), port });
  }
  return out;
}

/**
 * A connection for `url`. `redisOptions` apply to every node (e.g. `maxRetriesPerRequest`); `clusterOptions` only to a cluster.
 * The caller owns the connection and quits it.
 */
export function openRedis(url: string, redisOptions: RedisOptions = {}, clusterOptions: ClusterOptions = {}): RedisClient {
  const { Cluster, Redis } = loadIoRedis();
  if (!isClusterUrl(url)) return new Redis(url, redisOptions);
  const parsed = parseClusterUrl(url);
  const nodes: ClusterNode[] = parsed.nodes;
  return new Cluster(nodes, {
    ...clusterOptions,
    redisOptions: {
      ...(parsed.username !== undefined ? { username: parsed.username } : {}),
      ...(parsed.password !== undefined ? { password: parsed.password } : {}),
      ...(parsed.tls ? { tls: {} } : {}),
      ...redisOptions,
    },
  });
}

/**
 * What BullMQ's `connection` option gets for `url`: plain options for one node (BullMQ opens and closes its own connections),
 * a Cluster instance for a cluster (BullMQ cannot open one from options; the caller quits it after closing the queue/worker).
 * Blocking commands need `maxRetriesPerRequest: null`.
 */
export function bullConnection(url: string): { url: string; maxRetriesPerRequest: null } | Cluster {
  if (!isClusterUrl(url)) return { url, maxRetriesPerRequest: null };
  return openRedis(url, { maxRetriesPerRequest: null }) as Cluster;
}

/**
 * BullMQ's key prefix for `url`: on a cluster every key of a queue must share one hash slot (its Lua scripts touch several), so
 * the prefix becomes a hash tag — `jpki-bull` → `{jpki-bull}` (BullMQ docs, "Redis Cluster"). Unchanged for one node.
 */
export function bullPrefix(url: string, prefix: string): string {
  return isClusterUrl(url) && !/[{}]/.test(prefix) ? `{${prefix}}` : prefix;
}

/** closes a connection bullConnection returned (options need no closing) */
export async function closeBullConnection(connection: ReturnType<typeof bullConnection>): Promise<void> {
  if ('quit' in connection) await quitOrCut(connection);
}

/**
 * QUIT when Redis answers, else (or when QUIT gets no answer within `graceMs`) cut the connection: with Redis down a QUIT waits
 * forever and the client's reconnect timers keep the process alive — a process told to stop would hang.
 */
export async function quitOrCut(client: { status: string; quit(): Promise<unknown>; disconnect(): void }, graceMs = 1_000): Promise<void> {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const quit = client.quit().then(
      () => true,
      () => true,
    );
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const quitted = await Promise.race([quit, late]);
    clearTimeout(timer);
    if (quitted) return;
  }
  client.disconnect();
}

/** the URL without its password, for messages */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
