/**
 * A CA refresh over many partitions (ca-refresh.ts), through a real HTTP hop in front of the simulator that counts requests in
 * flight and can fail a partition: bounded concurrency, conditional GETs, per-partition retries with backoff, and a failing
 * partition that keeps its last good generation while the others move on.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator, SimServer } from '@jpki-validator/sim';
import { openEmbeddedStore } from '@jpki-validator/store';
import { createFetcherMetrics, fetchOnce, refreshPartitions, resolveTargets } from '../src/index.js';
import { CA_ID, issuerConfig, smallSimulator } from './helpers.js';
import { memoryLogger } from './queue-helpers.js';

interface CountingHop {
  url: string;
  /** requests seen, and how many carried If-None-Match */
  requests: number;
  conditional: number;
  maxInFlight: number;
  /** answer 503 to this path for the next `times` requests (Infinity: until changed) */
  failing: Map<string, number>;
  close(): Promise<void>;
}

async function startCountingHop(upstream: string, delayMs: number): Promise<CountingHop> {
  let inFlight = 0;
  const hop: CountingHop = {
    url: '',
    requests: 0,
    conditional: 0,
    maxInFlight: 0,
    failing: new Map<string, number>(),
    close: async (): Promise<void> => undefined,
  };
  const server: Server = createServer((req, res) => {
    hop.requests++;
    if (req.headers['if-none-match']) hop.conditional++;
    inFlight++;
    hop.maxInFlight = Math.max(hop.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const left = hop.failing.get(path) ?? 0;
    setTimeout(() => {
      if (left > 0) {
        hop.failing.set(path, left - 1);
        res.writeHead(503).end();
        return;
      }
      const up = request(new URL(req.url ?? '/', upstream), { headers: { ...req.headers, host: new URL(upstream).host } }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end();
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hop.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hop.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return hop;
}

let sim: Simulator;
let server: SimServer;
let hop: CountingHop;

beforeAll(async () => {
  ({ sim } = await smallSimulator(8));
  server = await sim.serve({ port: 0, host: '127.0.0.1' });
  hop = await startCountingHop(server.url, 15);
  // certificates and CRLs name the hop's address, as a CA names its own
  await sim.setBaseUrl(hop.url);
});
afterAll(async () => {
  await hop.close();
  await server.close();
});

describe('a CA refresh of many partitions', () => {
  const partitions = () => sim.partitionNames(CA_ID).map((p) => ({ name: p, source: sim.crlUrl(CA_ID, p) }));

  it('fetches at most `concurrency` partitions at once; an unchanged refresh is one conditional GET (304) per partition', async () => {
    const store = await openEmbeddedStore();
    try {
      const issuer = issuerConfig(sim, partitions(), { fetch: { concurrency: 3, attempts: 1, backoffMs: 10 } });
      hop.maxInFlight = 0;
      const cold = await fetchOnce({ issuers: [issuer] }, store, memoryLogger().logger);
      expect(cold.reports.map((r) => r.outcome)).toEqual(Array(8).fill('loaded'));
      expect(hop.maxInFlight).toBe(3);

      const before = { requests: hop.requests, conditional: hop.conditional };
      const warm = await fetchOnce({ issuers: [issuer] }, store, memoryLogger().logger);
      expect(warm.reports.map((r) => r.outcome)).toEqual(Array(8).fill('not-modified'));
      expect(hop.requests - before.requests).toBe(8);
      expect(hop.conditional - before.conditional).toBe(8);
    } finally {
      await store.close();
    }
  });

  it('retries a failing partition with doubling backoff; one that keeps failing keeps its last good CRL and freshness while the others load', async () => {
    const store = await openEmbeddedStore();
    try {
      const issuer = issuerConfig(sim, partitions(), { fetch: { concurrency: 4, attempts: 3, backoffMs: 40 } });
      const { targets } = await resolveTargets({ issuers: [issuer] });
      const metrics = createFetcherMetrics({ store, scopes: targets.map((t) => ({ caId: CA_ID, partition: t.partition.name })) });
      const sleeps: number[] = [];
      const deps = {
        store,
        metrics,
        logger: memoryLogger().logger,
        sleep: async (ms: number) => {
          sleeps.push(ms);
          await new Promise((r) => setTimeout(r, 1));
        },
      };
      const flaky = new URL(sim.crlUrl(CA_ID, 'p0001')).pathname;
      hop.failing.set(flaky, 2);
      const first = await refreshPartitions(targets, deps);
      expect(first.find((r) => r.partition === 'p0001')).toMatchObject({ outcome: 'loaded', attempts: 3 });
      expect(first.filter((r) => r.partition !== 'p0001').every((r) => r.outcome === 'loaded' && r.attempts === 1)).toBe(true);
      expect(sleeps).toEqual([40, 80]);
      const good = (await store.partitions(CA_ID)).find((m) => m.partition === 'p0001');

      // the CA publishes a new generation; p0001's server is down for good
      await sim.revoke({ ca: CA_ID, serial: 0x07000000 + 4000 + 1, reason: 'superseded' });
      hop.failing.set(flaky, Number.POSITIVE_INFINITY);
      sleeps.length = 0;
      const second = await refreshPartitions(targets, deps);
      hop.failing.delete(flaky);
      expect(second.find((r) => r.partition === 'p0001')).toMatchObject({
        outcome: 'failed',
        reason: 'FETCH_HTTP_STATUS',
        retryable: true,
        attempts: 3,
      });
      expect(second.filter((r) => r.partition !== 'p0001').every((r) => r.outcome === 'loaded')).toBe(true);
      expect(sleeps).toEqual([40, 80]);
      const metas = await store.partitions(CA_ID);
      // its last good CRL (number, nextUpdate) stays; the others moved to the new number
      expect(metas.find((m) => m.partition === 'p0001')).toMatchObject({ crlNumber: good?.crlNumber, nextUpdateMs: good?.nextUpdateMs });
      expect(new Set(metas.filter((m) => m.partition !== 'p0001').map((m) => m.crlNumber)).size).toBe(1);
      expect(metas.find((m) => m.partition === 'p0000')?.crlNumber).toBeGreaterThan(good?.crlNumber ?? 0n);
    } finally {
      await store.close();
    }
  });

  it('a non-retryable failure is not retried', async () => {
    const store = await openEmbeddedStore();
    try {
      const missing = { name: 'gone', source: `${hop.url}/crl/${CA_ID}/p9999.crl`, scope: 'partition' as const };
      const issuer = issuerConfig(sim, [missing], { fetch: { concurrency: 1, attempts: 5, backoffMs: 1 } });
      const { reports } = await fetchOnce({ issuers: [issuer] }, store, memoryLogger().logger);
      expect(reports[0]).toMatchObject({ outcome: 'failed', retryable: false, attempts: 1 });
    } finally {
      await store.close();
    }
  });
});
