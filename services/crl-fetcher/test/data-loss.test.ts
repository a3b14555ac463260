/**
 * The fetcher after the store lost its data (issue 10 #3): its conditional-GET record must not stop the reload (a 304 for a CRL
 * the store no longer holds left the partition empty), and the queue worker — whose job schedulers vanish with the data — must
 * notice the loss, say so, put its schedulers back and reload at once. Redis cases run on a private redis-server.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '@jpki-validator/config';
import type { Simulator, SimServer } from '@jpki-validator/sim';
import { openEmbeddedStore } from '@jpki-validator/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../../test/support/private-redis.js';
import { fetchOnce, startFetcher, type RunningFetcher } from '../src/index.js';
import { CA_ID, issuerConfig, smallSimulator } from './helpers.js';
import { memoryLogger, testPrefixes, waitFor } from './queue-helpers.js';

let sim: Simulator;
let server: SimServer;

beforeAll(async () => {
  ({ sim } = await smallSimulator(1));
  server = await sim.serve({ port: 0, host: '127.0.0.1' });
  await sim.setBaseUrl(server.url);
});
afterAll(async () => {
  await server.close();
});

function config(redisUrl: string | null): Pick<Config, 'issuers' | 'redisUrl' | 'dataDir' | 'watch'> {
  const [p0] = sim.partitionNames(CA_ID) as [string];
  return {
    issuers: [issuerConfig(sim, [{ name: p0, source: sim.crlUrl(CA_ID, p0) }])],
    redisUrl,
    dataDir: mkdtempSync(join(tmpdir(), 'jv-data-loss-')),
    watch: { schedule: { cron: '0 3 * * *' }, timeZone: 'Asia/Tokyo', sinks: [] },
  };
}

describe('fetcher after a data loss', () => {
  it('embedded: a deleted CA directory is reloaded in full, not answered by a 304 from the conditional-GET record', async () => {
    const cfg = config(null);
    const { logger, lines } = memoryLogger();
    const first = await openEmbeddedStore({ dataDir: cfg.dataDir, watch: false });
    expect((await fetchOnce(cfg, first, logger)).reports.map((r) => r.outcome)).toEqual(['loaded']);
    // the fetcher declared the CA's partition set from its config
    expect(await first.expectedPartitions(CA_ID)).toEqual(cfg.issuers[0]?.partitions.map((p) => p.name));
    await first.close();
    await rm(join(cfg.dataDir, 'cas', CA_ID), { recursive: true });

    const second = await openEmbeddedStore({ dataDir: cfg.dataDir, watch: false });
    try {
      expect((await fetchOnce(cfg, second, logger)).reports.map((r) => r.outcome)).toEqual(['loaded']);
      expect(await second.partitions(CA_ID)).toHaveLength(1);
      expect(lines().some((l) => l.msg === 'CRL loaded')).toBe(true);
    } finally {
      await second.close();
    }
  });

  describe('queue worker on a private Redis', () => {
    let redis: PrivateRedis;
    beforeAll(async () => {
      redis = await startPrivateRedis();
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('FLUSHALL: the loss is logged and counted, the schedulers come back and the partition is reloaded at once', async () => {
      const { logger, lines } = memoryLogger();
      const prefixes = testPrefixes();
      let fetcher: RunningFetcher | null = null;
      try {
        fetcher = await startFetcher({
          config: config(redis.url),
          logger,
          adminPort: 0,
          keyPrefix: prefixes.keyPrefix,
          identityCheckMs: 100,
          worker: { bullPrefix: prefixes.bullPrefix },
        });
        const store = fetcher.store;
        await waitFor('the first load', async () => (await store.partitions(CA_ID)).length === 1, 15_000);
        const admin = new Redis(redis.url);
        await admin.flushall();
        await admin.quit();
        // the refresh interval is a minute: only the identity check can bring the data back this soon
        await waitFor('the reload', async () => (await store.partitions(CA_ID)).length === 1, 10_000);
        const schedulers = await fetcher.worker?.queue.getJobSchedulersCount();
        expect(schedulers).toBe(1);
        expect(lines().some((l) => typeof l.msg === 'string' && l.msg.startsWith('STORE DATA LOSS'))).toBe(true);
        const metrics = await (await fetch(`${fetcher.adminUrl}/metrics`)).text();
        expect(metrics).toMatch(/jpki_validator_fetcher_store_data_loss_total\{ca="jpki-sign-2023"\} 1/);
      } finally {
        await fetcher?.close();
      }
    });
  });
});
