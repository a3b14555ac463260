/**
 * The wrk wrapper (lib/api-wrk.ts) against a real HTTP server: the generated Lua script cycles through the given paths, and the
 * figures it prints (requests, non-2xx, percentiles in µs) come back as the same LoadResult autocannon's wrapper gives.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWrk, wrkVersion, writeWrkScript } from '../lib/api-wrk.js';

let dir: string;
let url: string;
const hits = new Map<string, number>();
const server = createServer((req, res) => {
  hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
  res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
  res.end('ok');
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'api-wrk-'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('runWrk', () => {
  it('is installed (scripts/ensure-test-services.sh) and says its version', async () => {
    expect(await wrkVersion()).toMatch(/^wrk \S*\d/);
  });

  it('cycles through the paths and reports requests, non-2xx answers and exact percentiles', async () => {
    const scriptFile = join(dir, 'paths.lua');
    await writeWrkScript(scriptFile, ['/a', '/b"quoted', '/missing']);
    const result = await runWrk({ url, connections: 2, durationSeconds: 1, paths: ['/a', '/b"quoted', '/missing'], scriptFile });
    const served = [...hits.values()].reduce((a, b) => a + b, 0);
    expect(result.totalRequests).toBeGreaterThan(100);
    // wrk counts the requests whose answers it read; the server may have taken a few more as wrk stopped
    expect(served).toBeGreaterThanOrEqual(result.totalRequests);
    expect(hits.get('/a')).toBeGreaterThan(0);
    expect(hits.get('/b%22quoted') ?? hits.get('/b"quoted')).toBeGreaterThan(0);
    // every third request is the 404
    expect(result.non2xx / result.totalRequests).toBeCloseTo(1 / 3, 1);
    expect(result.errors).toBe(0);
    expect(result.latencyP50Ms).toBeGreaterThan(0);
    expect(result.latencyP99Ms).toBeGreaterThanOrEqual(result.latencyP50Ms);
    expect(result.latencyMaxMs).toBeGreaterThanOrEqual(result.latencyP99Ms);
    expect(result.requestsPerSecond).toBeCloseTo(result.totalRequests / result.durationSeconds, 5);
  });
});
