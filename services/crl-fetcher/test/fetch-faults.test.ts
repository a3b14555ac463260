/**
 * Smaller faults around a fetch (issue 10 #11, issue 14): a Redis that dies or hangs under a fetch fails it fast with a typed,
 * retryable STORE_UNAVAILABLE (it took 10.7 s and surfaced a raw ioredis message), and a lying `Content-Length: 2000000000` no
 * longer makes the loader reserve hundreds of MB before the first byte. Redis cases run on a private redis-server.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '@jpki-validator/config';
import type { Simulator, SimServer } from '@jpki-validator/sim';
import { openEmbeddedStore } from '@jpki-validator/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '@jpki-validator/private-redis';
import { openFetcherStore, resolveTargets, runPartition, createFetcherMetrics, type PartitionTarget } from '../src/index.js';
import { CA_ID, issuerConfig, smallSimulator } from './helpers.js';
import { memoryLogger } from './queue-helpers.js';

let sim: Simulator;
let server: SimServer;
let dataDir: string;

beforeAll(async () => {
  ({ sim } = await smallSimulator(1));
  server = await sim.serve({ port: 0, host: '127.0.0.1' });
  await sim.setBaseUrl(server.url);
  dataDir = await mkdtemp(join(tmpdir(), 'jv-fetch-faults-'));
});
afterAll(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function targetFor(source: string): Promise<PartitionTarget> {
  const [p0] = sim.partitionNames(CA_ID) as [string];
  const { targets } = await resolveTargets({ issuers: [issuerConfig(sim, [{ name: p0, source }])] });
  return targets[0] as PartitionTarget;
}

describe('a fetch whose Redis fails', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  async function run(commandTimeoutMs: number) {
    const config: Pick<Config, 'redisUrl' | 'dataDir'> = { redisUrl: redis.url, dataDir };
    const { logger } = memoryLogger();
    const opened = await openFetcherStore(config, { logger, commandTimeoutMs });
    const target = await targetFor(sim.crlUrl(CA_ID, sim.partitionNames(CA_ID)[0] ?? ''));
    const metrics = createFetcherMetrics({ store: opened.store, scopes: [] });
    return {
      once: () => runPartition(target, { store: opened.store, metrics, logger }),
      close: () => opened.store.close(),
    };
  }

  it('dead: fails within a second with STORE_UNAVAILABLE, retryable, saying Redis is unavailable', async () => {
    const fetcher = await run(5_000);
    try {
      expect((await fetcher.once()).report.outcome).toBe('loaded');
      await redis.kill();
      const t0 = performance.now();
      const { report, error } = await fetcher.once();
      expect(performance.now() - t0).toBeLessThan(2_000);
      expect(report).toMatchObject({ outcome: 'failed', reason: 'STORE_UNAVAILABLE', retryable: true });
      expect(report.error).toMatch(/^Redis unavailable while /);
      expect(error).toMatchObject({ name: 'StoreUnavailableError', code: 'STORE_UNAVAILABLE' });
    } finally {
      await fetcher.close();
      await redis.restart();
    }
  });

  it('frozen (SIGSTOP): fails after the command timeout with STORE_UNAVAILABLE, and works again after SIGCONT', async () => {
    const fetcher = await run(400);
    try {
      await fetcher.once();
      redis.freeze();
      const t0 = performance.now();
      const { report } = await fetcher.once();
      expect(performance.now() - t0).toBeLessThan(3_000);
      expect(report).toMatchObject({ outcome: 'failed', reason: 'STORE_UNAVAILABLE', retryable: true });
      redis.thaw();
      expect(['unchanged', 'not-modified', 'loaded']).toContain((await fetcher.once()).report.outcome);
    } finally {
      redis.thaw();
      await fetcher.close();
    }
  });
});

describe('a lying Content-Length', () => {
  let liar: Server;
  let url: string;
  beforeAll(async () => {
    const crl = join(dataDir, 'liar.crl');
    await sim.writeCrl({ ca: CA_ID, partition: sim.partitionNames(CA_ID)[0] ?? '', out: crl });
    const bytes = readFileSync(crl);
    liar = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': '2000000000' });
      res.write(bytes);
      // hold the connection a moment, then end it short of the 2 GB promised
      setTimeout(() => res.destroy(), 300);
    });
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(liar.address() as AddressInfo).port}/p.crl`;
  });
  afterAll(async () => {
    await new Promise((resolve) => liar.close(resolve));
  });

  it('reserves a bounded amount up front (the fetch then fails, retryable, and nothing loads)', async () => {
    const store = await openEmbeddedStore({ dataDir: await mkdtemp(join(tmpdir(), 'jv-liar-')), watch: false });
    const { logger } = memoryLogger();
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 2);
    try {
      const { report } = await runPartition(await targetFor(url), {
        store,
        metrics: createFetcherMetrics({ store, scopes: [] }),
        logger,
      });
      expect(report).toMatchObject({ outcome: 'failed', retryable: true });
      expect(await store.partitions(CA_ID)).toEqual([]);
      expect(peak - baseline).toBeLessThan(64 * 2 ** 20);
    } finally {
      clearInterval(sampler);
      await store.close();
    }
  });
});
