import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Simulator, SimServer } from '@jpki-validator/sim';
import { createRedisStore, type RedisRevocationStore, type SwitchEvent } from '@jpki-validator/store';
import type { IssuerConfig } from '@jpki-validator/config';
import {
  createFetcherMetrics,
  nextUpdateJobId,
  QUEUE_NAME,
  resolveTargets,
  runPartition,
  schedulerId,
  startFetchWorker,
  type FetchJobData,
  type FetchJobResult,
  type FetchWorker,
  type FetchWorkerOptions,
} from '../src/index.js';
import { CA_ID, REDIS_URL, issuerConfig, smallSimulator } from './helpers.js';
import { deletePrefixes, memoryLogger, startGatedProxy, testPrefixes, waitFor } from './queue-helpers.js';

let sim: Simulator;
let dir: string;
let server: SimServer;

beforeAll(async () => {
  ({ sim, dir } = await smallSimulator());
  server = await sim.serve({ port: 0, host: '127.0.0.1' });
  await sim.setBaseUrl(server.url);
});
afterAll(async () => {
  await server.close();
});

describe('the crl-fetch queue worker on the real Redis', () => {
  let prefixes: { keyPrefix: string; bullPrefix: string };
  const closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    prefixes = testPrefixes();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await deletePrefixes(prefixes.keyPrefix, prefixes.bullPrefix);
  });

  async function openStore(): Promise<RedisRevocationStore> {
    const store = await createRedisStore({ redis: REDIS_URL, prefix: prefixes.keyPrefix });
    closers.push(() => store.close());
    return store;
  }

  /** A worker for `issuers`, with short BullMQ timings; its own store connection unless one is given. */
  async function startWorker(issuers: IssuerConfig[], extra: Partial<FetchWorkerOptions> = {}) {
    const store = extra.store ?? (await openStore());
    const { targets } = await resolveTargets({ issuers });
    const metrics = createFetcherMetrics({ store, scopes: targets.map((t) => ({ caId: t.ca.id, partition: t.partition.name })) });
    const log = memoryLogger();
    const worker = await startFetchWorker({
      redisUrl: REDIS_URL,
      store,
      targets,
      metrics,
      logger: log.logger,
      bullPrefix: prefixes.bullPrefix,
      keyPrefix: prefixes.keyPrefix,
      backoffMs: 50,
      lockBusyRetryMs: 200,
      ...extra,
    });
    closers.push(() => worker.close());
    return { worker, store, metrics, log };
  }

  const finished = (
    w: FetchWorker,
    what: string,
    pick: (jobs: Job<FetchJobData, FetchJobResult>[]) => Job<FetchJobData, FetchJobResult> | undefined,
    state: 'completed' | 'failed' = 'completed',
  ) => waitFor(what, async () => pick(await (state === 'completed' ? w.queue.getCompleted() : w.queue.getFailed())));

  it('upserts one job scheduler per CA (removing stale ones, per-partition ones included); its job loads every partition and queues one run after the earliest nextUpdate', async () => {
    const [p0, p1] = sim.partitionNames(CA_ID) as [string, string];
    const issuer = issuerConfig(
      sim,
      [
        { name: p0, source: sim.crlUrl(CA_ID, p0) },
        { name: p1, source: sim.crlUrl(CA_ID, p1) },
      ],
      { refresh: { intervalMs: 3_600_000 } },
    );
    // a scheduler left by a config that had a third partition (its first job is already waiting)
    const old = new Queue(QUEUE_NAME, { connection: { url: REDIS_URL }, prefix: prefixes.bullPrefix });
    await old.upsertJobScheduler(
      schedulerId(CA_ID, 'gone'),
      { every: 3_600_000 },
      { name: 'schedule', data: { caId: CA_ID, partition: 'gone', trigger: 'schedule' } },
    );
    await old.close();
    const { worker, store, metrics } = await startWorker([issuer]);
    const ids = (await worker.queue.getJobSchedulers(0, -1)).map((s) => s.key).sort();
    expect(ids).toEqual([schedulerId(CA_ID)]);

    const done = await finished(worker, 'the scheduled CA job', (jobs) =>
      jobs.find((j) => j.name === 'schedule' && j.data.partition === null),
    );
    expect(done.data.trigger).toBe('schedule');
    expect(done.returnvalue).toMatchObject({ caId: CA_ID, outcome: 'refreshed', partitions: 2, counts: { loaded: 2 }, failing: [] });
    const skipped = await finished(worker, 'the stale job', (jobs) => jobs.find((j) => j.data.partition === 'gone'));
    expect(skipped.returnvalue).toMatchObject({ outcome: 'skipped', why: 'not configured' });
    const metas = await store.partitions(CA_ID);
    expect(metas.map((m) => m.partition).sort()).toEqual([p0, p1].sort());
    const meta = metas.find((m) => m.partition === p0);
    expect(meta?.nextUpdateMs).not.toBeNull();
    const earliest = Math.min(...metas.map((m) => m.nextUpdateMs ?? Number.POSITIVE_INFINITY));
    const nextJob = await worker.queue.getJob(nextUpdateJobId(CA_ID, null, earliest + 60_000));
    expect(await nextJob?.getState()).toBe('delayed');
    expect(nextJob?.data).toMatchObject({ caId: CA_ID, partition: null, trigger: 'next-update' });
    expect(await metrics.registry.getSingleMetricAsString('jpki_validator_crl_fetch_loads_total')).toMatch(
      new RegExp(`jpki_validator_crl_fetch_loads_total\\{ca="${CA_ID}",partition="${p0}",outcome="loaded"\\} 1`),
    );
  });

  it('queues the run after nextUpdate also when the CRL was loaded before the worker started (fetch --once): a 304 is enough', async () => {
    const [p0] = sim.partitionNames(CA_ID) as [string];
    const issuer = issuerConfig(sim, [{ name: p0, source: sim.crlUrl(CA_ID, p0) }], { refresh: { intervalMs: 3_600_000 } });
    const store = await openStore();
    const { targets } = await resolveTargets({ issuers: [issuer] });
    const target = targets[0] as (typeof targets)[number];
    const scopes = [{ caId: CA_ID, partition: p0 }];
    const once = await runPartition(target, { store, metrics: createFetcherMetrics({ store, scopes }), logger: memoryLogger().logger });
    expect(once.report.outcome).toBe('loaded');
    const meta = (await store.partitions(CA_ID)).find((m) => m.partition === p0);
    expect(meta?.nextUpdateMs).toBeGreaterThan(Date.now());

    const { worker } = await startWorker([issuer], { store });
    const job = await finished(worker, 'the scheduled job', (jobs) => jobs.find((j) => j.name === 'schedule'));
    expect(job.returnvalue).toMatchObject({ outcome: 'refreshed', counts: { 'not-modified': 1 } });
    const nextJob = await worker.queue.getJob(nextUpdateJobId(CA_ID, null, (meta?.nextUpdateMs ?? 0) + 60_000));
    expect(await nextJob?.getState()).toBe('delayed');
  });

  it('a rejected CRL fails its job at once with UnrecoverableError (no retries), logs the reason and counts it', async () => {
    const forged = join(dir, `forged-${Date.now()}.crl`);
    await sim.writeCrl({ ca: CA_ID, out: forged, corruptSignature: true });
    const { worker, metrics, log } = await startWorker([issuerConfig(sim, [{ name: 'forged', source: forged }])], { attempts: 4 });
    const job = await finished(worker, 'the failed job', (jobs) => jobs[0], 'failed');
    expect(job.failedReason).toMatch(/^signature: /);
    expect(job.attemptsMade).toBe(1);
    expect((job.stacktrace ?? []).join('\n')).toMatch(/UnrecoverableError/);
    expect(await metrics.registry.getSingleMetricAsString('jpki_validator_crl_fetch_rejects_total')).toContain(
      `jpki_validator_crl_fetch_rejects_total{ca="${CA_ID}",partition="forged",reason="signature"} 1`,
    );
    expect(
      log
        .lines()
        .some(
          (l) => l.msg === 'CRL rejected; the previous generation keeps serving' && l.reason === 'signature' && l.partition === 'forged',
        ),
    ).toBe(true);
  });

  it('a retryable failure is retried with backoff: an empty drop directory, then the CRL arrives and the retry loads it', async () => {
    const drop = mkdtempSync(join(tmpdir(), 'jv-drop-'));
    const { worker, store } = await startWorker([issuerConfig(sim, [{ name: 'drop', source: drop }])], { attempts: 5, backoffMs: 300 });
    worker.worker.once('failed', () => {
      void sim.writeCrl({ ca: CA_ID, out: join(drop, 'latest.crl') });
    });
    const job = await finished(worker, 'the retried job', (jobs) =>
      jobs.find((j) => j.returnvalue && 'counts' in j.returnvalue && j.returnvalue.counts.loaded === 1),
    );
    expect(job.attemptsMade).toBeGreaterThanOrEqual(2);
    expect((await store.partitions(CA_ID))[0]?.partition).toBe('drop');
  });

  it('two workers with separate connections given the same partition at once: exactly one load, the other waits and finds it unchanged', async () => {
    const [p0] = sim.partitionNames(CA_ID) as [string];
    const upstream = sim.crlUrl(CA_ID, p0);
    const proxy = await startGatedProxy(new URL(upstream).origin, 2_000);
    closers.push(() => proxy.close());
    const url = new URL(new URL(upstream).pathname, proxy.url).href;
    // the proxy is a mirror: the CRL still names the simulator's URL, which the slot lists as its name
    const issuer = issuerConfig(sim, [{ name: p0, source: url, url: upstream }]);
    const a = await startWorker([issuer], { schedule: false });
    const b = await startWorker([issuer], { schedule: false });
    const watcher = await openStore();
    const switches: SwitchEvent[] = [];
    watcher.subscribe((e) => switches.push(e));

    const first = await a.worker.runNow(CA_ID, p0);
    await proxy.reachedHold(); // one worker holds the partition lock, mid-download
    const second = await a.worker.runNow(CA_ID, p0);
    await waitFor('the second job to be delayed by the lock', async () => (await second.getState()) === 'delayed');
    proxy.release();

    const results = await Promise.all(
      [first, second].map((j) =>
        waitFor(`job ${j.id}`, async () => {
          const fresh = await a.worker.queue.getJob(j.id ?? '');
          return fresh?.finishedOn ? fresh : undefined;
        }),
      ),
    );
    const outcomes = results.map((j) => (j.returnvalue && 'outcome' in j.returnvalue ? j.returnvalue.outcome : j.failedReason)).sort();
    expect(outcomes).toEqual(['loaded', 'not-modified']);
    await waitFor('the switch event', () => switches.length > 0);
    expect(switches).toHaveLength(1);
    expect((await watcher.partitions(CA_ID)).map((m) => m.generation)).toEqual([switches[0]?.generation]);
    const loads =
      (await a.metrics.registry.getSingleMetricAsString('jpki_validator_crl_fetch_loads_total')) +
      (await b.metrics.registry.getSingleMetricAsString('jpki_validator_crl_fetch_loads_total'));
    expect(loads.match(/outcome="loaded"\} 1/g)).toHaveLength(1);
  });
});
