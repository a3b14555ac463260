/**
 * The embedded store's schedule (no Redis): data already in the store when the scheduler starts — loaded by `fetch --once`, or
 * before a restart — still gets its run soon after the CRL's nextUpdate, though the first run only sees a 304.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator, SimServer } from '@jpki-validator/sim';
import { openEmbeddedStore } from '@jpki-validator/store';
import { createFetcherMetrics, resolveTargets, runPartition, startInProcessScheduler } from '../src/index.js';
import { CA_ID, issuerConfig, smallSimulator } from './helpers.js';
import { memoryLogger, waitFor } from './queue-helpers.js';

let sim: Simulator;
let dir: string;
let server: SimServer;

beforeAll(async () => {
  ({ sim, dir } = await smallSimulator(1));
  server = await sim.serve({ port: 0, host: '127.0.0.1' });
  await sim.setBaseUrl(server.url);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the in-process scheduler', () => {
  it('arms the nextUpdate run from the stored CRL when its first run finds the CRL not modified', async () => {
    const [p0] = sim.partitionNames(CA_ID) as [string];
    const issuer = issuerConfig(sim, [{ name: p0, source: sim.crlUrl(CA_ID, p0) }], { refresh: { intervalMs: 3_600_000 } });
    const store = await openEmbeddedStore();
    const { targets } = await resolveTargets({ issuers: [issuer] });
    const metrics = createFetcherMetrics({ store, scopes: [{ caId: CA_ID, partition: p0 }] });
    const once = await runPartition(targets[0] as (typeof targets)[number], { store, metrics, logger: memoryLogger().logger });
    expect(once.report.outcome).toBe('loaded');
    const nextUpdateMs = (await store.partitions(CA_ID))[0]?.nextUpdateMs ?? Number.NaN;
    expect(nextUpdateMs).toBeGreaterThan(Date.now());

    // a clock 0.3 s before the run due a minute after nextUpdate: the armed timer fires almost at once
    const log = memoryLogger();
    const scheduler = startInProcessScheduler({ store, targets, metrics, logger: log.logger, now: () => nextUpdateMs + 60_000 - 300 });
    try {
      const runs = () => log.lines().filter((l) => l.msg === 'CRL unchanged');
      await waitFor('the run after nextUpdate', async () => (runs().length >= 2 ? true : undefined));
      expect(runs().every((l) => l.outcome === 'not-modified')).toBe(true);
    } finally {
      await scheduler.close();
      await store.close();
    }
  });
});
