import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator, SimServer } from '@jpki-validator/sim';
import type { Config } from '@jpki-validator/config';
import { startFetcher, type RunningFetcher } from '../src/index.js';
import { CA_ID, REDIS_URL, issuerConfig, smallSimulator } from './helpers.js';
import { deletePrefixes, memoryLogger, testPrefixes, waitFor } from './queue-helpers.js';

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
    dataDir: mkdtempSync(join(tmpdir(), 'jv-fetcher-data-')),
    watch: { schedule: { cron: '0 3 * * *' }, timeZone: 'Asia/Tokyo', sinks: [] },
  };
}

describe('startFetcher', () => {
  it('on Redis: the queue loads the partition; /healthz, /metrics (with staleness per partition) and the bull-board dashboard answer over HTTP', async () => {
    const prefixes = testPrefixes();
    const { logger } = memoryLogger();
    let fetcher: RunningFetcher | null = null;
    try {
      fetcher = await startFetcher({
        config: config(REDIS_URL),
        logger,
        adminPort: 0,
        keyPrefix: prefixes.keyPrefix,
        worker: { bullPrefix: prefixes.bullPrefix },
      });
      expect(fetcher.mode).toBe('queue');
      const store = fetcher.store;
      await waitFor('the first scheduled load', async () => (await store.partitions(CA_ID)).length === 1);
      const base = fetcher.adminUrl ?? '';
      // the switch is visible before the run has finished (it still records the CRL number and the fetch state): wait for it
      await waitFor('the run to be counted', async () => (await (await fetch(`${base}/metrics`)).text()).includes('outcome="loaded"} 1'));
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });

      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await metrics.text();
      const staleness = /jpki_validator_crl_staleness_seconds\{ca="jpki-sign-2023",partition="p0000"\} (-?[\d.e+]+)/.exec(text);
      expect(Number(staleness?.[1])).toBeLessThan(0); // fresh: nextUpdate is ahead
      expect(text).toMatch(/jpki_validator_crl_fetch_loads_total\{ca="jpki-sign-2023",partition="p0000",outcome="loaded"\} 1/);
      expect(text).toMatch(/jpki_validator_crl_last_success_timestamp_seconds\{ca="jpki-sign-2023",partition="p0000"\} \d+/);

      const page = await fetch(`${base}/admin/queues`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      const api = await fetch(`${base}/admin/queues/api/queues`);
      expect(api.status).toBe(200);
      const body = (await api.json()) as { queues: { name: string }[] };
      expect(body.queues.map((q) => q.name)).toContain('crl-fetch');
    } finally {
      await fetcher?.close();
      await deletePrefixes(prefixes.keyPrefix, prefixes.bullPrefix);
    }
  });

  it('beyond loopback the dashboard needs ADMIN_PASSWORD (basic auth); without one it is off while /metrics and /healthz answer', async () => {
    const prefixes = testPrefixes();
    const { logger } = memoryLogger();
    const started: RunningFetcher[] = [];
    try {
      // 0.0.0.0 without a password: the dashboard is off, never open to the network
      const open = await startFetcher({
        config: config(REDIS_URL),
        logger,
        adminPort: 0,
        adminHost: '0.0.0.0',
        keyPrefix: prefixes.keyPrefix,
        worker: { bullPrefix: prefixes.bullPrefix },
      });
      started.push(open);
      const openBase = (open.adminUrl ?? '').replace('0.0.0.0', '127.0.0.1');
      const off = await fetch(`${openBase}/admin/queues/api/queues`);
      expect(off.status).toBe(404);
      expect(await off.text()).toMatch(/ADMIN_PASSWORD/);
      expect((await fetch(`${openBase}/healthz`)).status).toBe(200);
      expect((await fetch(`${openBase}/metrics`)).status).toBe(200);

      // with a password: 401 without credentials or with wrong ones, 200 with admin:<password>
      const guarded = await startFetcher({
        config: config(REDIS_URL),
        logger,
        adminPort: 0,
        adminHost: '0.0.0.0',
        adminPassword: 'correct horse battery staple',
        keyPrefix: prefixes.keyPrefix,
        worker: { bullPrefix: prefixes.bullPrefix },
      });
      started.push(guarded);
      const base = (guarded.adminUrl ?? '').replace('0.0.0.0', '127.0.0.1');
      const basic = (user: string, password: string) => ({
        authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      });
      expect((await fetch(`${base}/admin/queues`)).status).toBe(401);
      expect((await fetch(`${base}/admin/queues/api/queues`)).status).toBe(401);
      expect((await fetch(`${base}/admin/queues/api/queues`, { headers: basic('admin', 'wrong') })).status).toBe(401);
      const api = await fetch(`${base}/admin/queues/api/queues`, { headers: basic('admin', 'correct horse battery staple') });
      expect(api.status).toBe(200);
      expect(((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name)).toContain('crl-fetch');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      for (const f of started) await f.close();
      await deletePrefixes(prefixes.keyPrefix, prefixes.bullPrefix);
    }
  });

  it('without Redis: the in-process scheduler loads into the embedded store at start; the dashboard path explains there is no queue', async () => {
    const { logger } = memoryLogger();
    const fetcher = await startFetcher({ config: config(null), logger, adminPort: 0 });
    try {
      expect(fetcher.mode).toBe('in-process');
      const partition = sim.partitionNames(CA_ID)[0] ?? '';
      // the run started at start-up is under way: runNow joins it
      expect((await fetcher.scheduler?.runNow(CA_ID, partition))?.outcome).toBe('loaded');
      expect((await fetcher.store.partitions(CA_ID)).map((m) => m.partition)).toEqual([partition]);
      expect((await fetcher.scheduler?.runNow(CA_ID, partition))?.outcome).toMatch(/^(unchanged|not-modified)$/);
      expect((await fetch(`${fetcher.adminUrl ?? ''}/admin/queues/`)).status).toBe(404);
    } finally {
      await fetcher.close();
    }
  });
});
