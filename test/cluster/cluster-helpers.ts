/**
 * The local Redis Cluster the cluster tests run on (start-cluster.sh: 3 masters on 127.0.0.1:7101-7103, never 6379), and what
 * a test needs around it: a REDIS_URL in the cluster form, a random key prefix, and key listing / cleanup over every master
 * (SCAN on a cluster client reaches one node only).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Cluster } from 'ioredis';
import { openRedis } from '@jpki-validator/store';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./start-cluster.sh', import.meta.url));

export const CLUSTER_PORTS = [7101, 7102, 7103] as const;
/** the REDIS_URL form for a cluster: any of its nodes, the rest are discovered */
export const CLUSTER_URL = `redis+cluster://${CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`).join(',')}`;

/** starts the cluster unless it is already healthy (idempotent, serialised by a lock in the script) */
export async function startCluster(): Promise<void> {
  await run('bash', [SCRIPT], { timeout: 60_000 });
}

export function openCluster(): Cluster {
  return openRedis(CLUSTER_URL) as Cluster;
}

export const randomPrefix = (what: string): string => `test-cluster-${what}-${randomBytes(6).toString('hex')}`;

/** every key matching `pattern` on every master */
export async function scanAllMasters(cluster: Cluster, pattern: string): Promise<string[]> {
  const out: string[] = [];
  for (const node of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
  }
  return out;
}

export const keysUnder = (cluster: Cluster, prefix: string): Promise<string[]> => scanAllMasters(cluster, `${prefix}*`);

/** deletes keys one by one: keys of different slots cannot share a multi-key command on a cluster */
export async function unlinkKeys(cluster: Cluster, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((k) => cluster.unlink(k)));
}

/** the master (host:port) serving each key's slot */
export async function ownerOf(cluster: Cluster, key: string): Promise<string> {
  const slot = Number(await cluster.cluster('KEYSLOT', key));
  for (const [from, to, master] of await cluster.cluster('SLOTS'))
    if (master !== undefined && slot >= from && slot <= to) return `${master[0]}:${master[1]}`;
  throw new Error(`no master serves slot ${slot} of ${key}`);
}

export async function slotOf(cluster: Cluster, key: string): Promise<number> {
  return Number(await cluster.cluster('KEYSLOT', key));
}
