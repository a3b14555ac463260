/**
 * The CRL fetcher on a real Redis Cluster: its partition lock (one key per CRL scope, in the CA's slot) and its BullMQ queue,
 * whose keys must all share one slot — the worker turns the prefix into a hash tag (`{…}`) when REDIS_URL is a cluster URL.
 * Two workers on separate cluster connections, one CRL held mid-download: exactly one load, as on a single Redis.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Cluster } from 'ioredis';
import type { Job } from 'bullmq';
import type { Simulator, SimServer } from '@jpki-validator/sim';
import { createRedisStore, createStoreKeys, type RedisRevocationStore, type SwitchEvent } from '@jpki-validator/store';
import type { IssuerConfig } from '@jpki-validator/config';
import {
  createFetcherKeys,
  createFetcherMetrics,
  createPartitionLocks,
  resolveTargets,
  startFetchWorker,
  type FetchJobData,
  type FetchJobResult,
  type FetchWorkerOptions,
} from '@jpki-validator/crl-fetcher';
import { CA_ID, issuerConfig, smallSimulator } from '../../services/crl-fetcher/test/helpers.js';
import { memoryLogger, startGatedProxy, waitFor } from '../../services/crl-fetcher/test/queue-helpers.js';
import { CLUSTER_URL, keysUnder, openCluster, randomPrefix, slotOf, startCluster, unlinkKeys } from './cluster-helpers.js';

let sim: Simulator;
let server: SimServer;

beforeAll(async () => {
  await startCluster();
  ({ sim } = await smallSimulator());
  server = await sim.serve({ port: 0, host: '127.0.0.1' });
  await sim.setBaseUrl(server.url);
});
afterAll(async () => {
  await server.close();
});

describe('crl-fetcher on a Redis Cluster', () => {
  let cluster: Cluster;
  let keyPrefix: string;
  let bullPrefix: string;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    cluster = openCluster();
    keyPrefix = randomPrefix('fetch');
    bullPrefix = randomPrefix('bull');
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await unlinkKeys(cluster, [...(await keysUnder(cluster, keyPrefix)), ...(await keysUnder(cluster, `{${bullPrefix}}`))]);
    await cluster.quit();
  });

  it("partition lock: one holder across two connections, released by compare-and-delete, in the CA's slot", async () => {
    const keys = createFetcherKeys(keyPrefix);
    const [connA, connB] = [openCluster(), openCluster()];
    closers.push(async () => {
      await connA.quit();
      await connB.quit();
    });
    const a = createPartitionLocks({ redis: connA, keys, ttlMs: 30_000 });
    const b = createPartitionLocks({ redis: connB, keys, ttlMs: 30_000 });

    const held = await a.tryAcquire(CA_ID, 'p1');
    expect(held).not.toBeNull();
    expect(await b.tryAcquire(CA_ID, 'p1')).toBeNull();
    const otherPartition = await b.tryAcquire(CA_ID, 'p2');
    expect(otherPartition).not.toBeNull();
    await held?.release();
    const taken = await b.tryAcquire(CA_ID, 'p1');
    expect(taken).not.toBeNull();
    // a's release came before b took it: releasing again must not free b's lock (the token differs)
    await held?.release();
    expect(await a.tryAcquire(CA_ID, 'p1')).toBeNull();
    await taken?.release();
    await otherPartition?.release();
    expect(await slotOf(cluster, keys.lock(CA_ID, 'p1'))).toBe(await slotOf(cluster, createStoreKeys(keyPrefix).ca(CA_ID).current));
  });

  async function openStore(): Promise<RedisRevocationStore> {
    const store = createRedisStore({ redis: CLUSTER_URL, prefix: keyPrefix });
    closers.push(() => store.close());
    return store;
  }

  async function startWorker(issuers: IssuerConfig[], extra: Partial<FetchWorkerOptions> = {}) {
    const store = await openStore();
    const { targets } = await resolveTargets({ issuers });
    const metrics = createFetcherMetrics({ store, scopes: targets.map((t) => ({ caId: t.ca.id, partition: t.partition.name })) });
    const worker = await startFetchWorker({
      redisUrl: CLUSTER_URL,
      store,
      targets,
      metrics,
      logger: memoryLogger().logger,
      bullPrefix,
      keyPrefix,
      backoffMs: 50,
      lockBusyRetryMs: 200,
      schedule: false,
      ...extra,
    });
    closers.push(() => worker.close());
    return { worker, metrics };
  }

  const settled = (
    queue: { getJob(id: string): Promise<Job<FetchJobData, FetchJobResult> | undefined> },
    job: Job<FetchJobData, FetchJobResult>,
  ) =>
    waitFor(`job ${job.id}`, async () => {
      const fresh = await queue.getJob(job.id ?? '');
      return fresh?.finishedOn ? fresh : undefined;
    });

  it('BullMQ under a hash-tagged prefix: two workers, one CRL held mid-download, exactly one load; every queue key in one slot', async () => {
    const [p0, p1] = sim.partitionNames(CA_ID) as [string, string];
    const upstream = sim.crlUrl(CA_ID, p0);
    const proxy = await startGatedProxy(new URL(upstream).origin, 2_000);
    closers.push(() => proxy.close());
    const issuer = issuerConfig(sim, [
      // the proxy is a mirror: the CRL names the simulator's URL, which the slot lists as its name
      { name: p0, source: new URL(new URL(upstream).pathname, proxy.url).href, url: upstream },
      { name: p1, source: sim.crlUrl(CA_ID, p1) },
    ]);
    const a = await startWorker([issuer]);
    const b = await startWorker([issuer]);
    expect(a.worker.queue.opts.prefix).toBe(`{${bullPrefix}}`);
    const reader = await openStore();
    const switches: SwitchEvent[] = [];
    reader.subscribe((e) => switches.push(e));
    await reader.subscribed();

    const first = await a.worker.runNow(CA_ID, p0);
    await proxy.reachedHold(); // one worker holds p0's lock, mid-download
    const second = await b.worker.runNow(CA_ID, p0);
    await waitFor('the second job to be delayed by the lock', async () => (await second.getState()) === 'delayed');
    const otherPartition = await b.worker.runNow(CA_ID, p1);
    proxy.release();

    const results = await Promise.all([first, second, otherPartition].map((j) => settled(a.worker.queue, j)));
    const outcomes = results.map((j) => (j.returnvalue && 'outcome' in j.returnvalue ? j.returnvalue.outcome : j.failedReason));
    expect(outcomes.slice(0, 2).sort()).toEqual(['loaded', 'not-modified']);
    expect(outcomes[2]).toBe('loaded');
    await waitFor('both switch events', () => switches.length >= 2);
    expect(switches.map((e) => e.partition).sort()).toEqual([p0, p1].sort());
    expect((await reader.partitions(CA_ID)).map((m) => m.partition).sort()).toEqual([p0, p1].sort());
    const loads =
      (await a.metrics.registry.getSingleMetricAsString('jpki_validator_crl_fetch_loads_total')) +
      (await b.metrics.registry.getSingleMetricAsString('jpki_validator_crl_fetch_loads_total'));
    expect(loads.match(new RegExp(`partition="${p0}",outcome="loaded"\\} 1`, 'g'))).toHaveLength(1);

    const queueKeys = await keysUnder(cluster, `{${bullPrefix}}`);
    expect(queueKeys.length).toBeGreaterThan(3);
    expect(new Set(await Promise.all(queueKeys.map((k) => slotOf(cluster, k)))).size).toBe(1);
  });
});
