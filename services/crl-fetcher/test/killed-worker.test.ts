import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initSimulator, type Simulator, type SimServer } from '@jpki-validator/sim';
import { createRedisStore } from '@jpki-validator/store';
import {
  createFetcherMetrics,
  QUEUE_NAME,
  resolveTargets,
  startFetchWorker,
  type FetchJobData,
  type FetchJobResult,
} from '../src/index.js';
import { CA_ID, REDIS_URL, issuerConfig } from './helpers.js';
import { deletePrefixes, memoryLogger, startGatedProxy, testPrefixes, waitFor, type GatedProxy } from './queue-helpers.js';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const ENTRIES = 300_000;

let sim: Simulator;
let server: SimServer;
let proxy: GatedProxy;
let child: ChildProcess | null = null;
/** entries of the simulator's current CRL (the population is random around ENTRIES) */
let expectedEntries = 0;
const prefixes = testPrefixes();

beforeAll(async () => {
  // The child runs the built fetcher: turbo builds it and what it uses with their build steps (the store's Lua scripts copied)
  await promisify(execFile)(
    join(repoRoot, 'node_modules/.bin/turbo'),
    ['run', 'build', '--filter=@jpki-validator/crl-fetcher...', '--output-logs=errors-only'],
    { cwd: repoRoot },
  );
  const dir = mkdtempSync(join(tmpdir(), 'jv-fetch-big-'));
  sim = await initSimulator({
    dir,
    seed: 3,
    populationPerCa: ENTRIES * 2,
    revokedRate: 0.5,
    generations: [2023],
    kinds: ['sign'],
    partitions: 0,
  });
  expectedEntries = (await sim.writeCrl({ ca: CA_ID, out: join(dir, 'reference.crl') })).entries;
  server = await sim.serve({ port: 0, host: '127.0.0.1' });
  await sim.setBaseUrl(server.url);
  // hold the first download after 4 MB (of ~10): the child is then mid-load, its loader a third full
  proxy = await startGatedProxy(server.url, 4 * 1024 * 1024);
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await proxy.close();
  await server.close();
  await deletePrefixes(prefixes.keyPrefix, prefixes.bullPrefix);
});

it('a worker SIGKILLed mid-load leaves nothing visible; another worker picks the stalled job up and loads the CRL', async () => {
  const url = new URL(new URL(sim.crlUrl(CA_ID)).pathname, proxy.url).href;
  const issuer = issuerConfig(sim, [{ name: 'full', source: url }]);
  const timings = { lockDurationMs: 1_500, stalledIntervalMs: 500, partitionLockTtlMs: 1_500 };
  child = spawn(
    process.execPath,
    [join(serviceDir, 'test/fixtures/worker-child.mjs'), JSON.stringify({ redisUrl: REDIS_URL, ...prefixes, issuer, ...timings })],
    {
      cwd: serviceDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let childErr = '';
  child.stderr?.on('data', (d: Buffer) => (childErr += d.toString()));
  await waitFor(`the child worker to be ready (stderr: ${childErr})`, async () => {
    const [line] = (await once(child?.stdout ?? process.stdout, 'data')) as [Buffer];
    return line.toString().includes('ready');
  });

  const queue = new Queue<FetchJobData, FetchJobResult>(QUEUE_NAME, { connection: { url: REDIS_URL }, prefix: prefixes.bullPrefix });
  const job = await queue.add('manual', { caId: CA_ID, partition: 'full', trigger: 'manual' }, { attempts: 3 });
  await proxy.reachedHold();
  expect(await job.getState()).toBe('active');
  child.kill('SIGKILL');
  await once(child, 'exit');

  const store = await createRedisStore({ redis: REDIS_URL, prefix: prefixes.keyPrefix });
  try {
    expect(await store.partitions(CA_ID)).toEqual([]);
    expect((await store.lookup(CA_ID, 0x07000000n)).loaded).toBe(false);
    proxy.release();

    const { targets } = await resolveTargets({ issuers: [issuer] });
    const metrics = createFetcherMetrics({ store, scopes: [{ caId: CA_ID, partition: 'full' }] });
    const log = memoryLogger();
    const rescuer = await startFetchWorker({
      redisUrl: REDIS_URL,
      store,
      targets,
      metrics,
      logger: log.logger,
      ...prefixes,
      schedule: false,
      lockBusyRetryMs: 300,
      ...timings,
    });
    try {
      const done = await waitFor(
        'the stalled job to be loaded by the second worker',
        async () => {
          const fresh = await queue.getJob(job.id ?? '');
          return fresh?.finishedOn ? fresh : undefined;
        },
        60_000,
      );
      expect(done.returnvalue).toMatchObject({ outcome: 'loaded', entries: expectedEntries });
      expect(done.attemptsStarted).toBeGreaterThanOrEqual(2);
      const [meta] = await store.partitions(CA_ID);
      expect(meta?.entries).toBe(expectedEntries);
      expect(expectedEntries).toBeGreaterThan(ENTRIES * 0.95);
    } finally {
      await rescuer.close();
    }
  } finally {
    await queue.close();
    await store.close();
  }
}, 180_000);
