/**
 * Two fetcher processes on one Redis, each hosting the watch job as `jpki-validator fetch` does (`startWatchJob`, each with its
 * own store connection, watch repository and BullMQ workers): both hear every switch, yet each switch is one pass, each
 * revocation one event in the file sink, and each batch one signed delivery. Real Redis, simulator CRLs, a local HTTP receiver.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import type { Simulator } from '@jpki-validator/sim';
import { createRedisStore, type RedisRevocationStore } from '@jpki-validator/store';
import { loadConfig, type Config } from '@jpki-validator/config';
import { createRedisWatch, importWatchList, type PassReport, type WatchEvent } from '@jpki-validator/watch';
import { createFileSource, ingestCrl, type TrustedCa } from '@jpki-validator/crl-fetcher';
import { crlSlot } from '@jpki-validator/config';
import { SCHEDULER_ID, startWatchJob, type RunningWatchJob } from '../src/index.js';
import { CA_ID, fileSinkEvents, trustedCa, watchSimulator } from './world.js';

const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'two-processes-secret';
const prefix = `jvtest-watch2-${randomBytes(6).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'jv-watch2-'));
const eventsDir = join(dir, 'events');

let sim: Simulator;
let ca: TrustedCa;
let config: Config;
const stores: RedisRevocationStore[] = [];
const jobs: RunningWatchJob[] = [];
let server: Server;
const received: { body: string; signature: string }[] = [];
const passes: { process: number; report: PassReport }[] = [];

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** the simulator's next CRL, loaded through process 0's store (process 1 hears the switch through Redis) */
async function ingestGeneration(n: number): Promise<void> {
  const path = join(dir, `gen${n}.crl`);
  await sim.writeCrl({ ca: CA_ID, out: path });
  const store = stores[0];
  if (!store) throw new Error('no store');
  await ingestCrl({
    store,
    ca,
    partition: crlSlot({ name: 'full', source: path, scope: 'full' }),
    source: createFileSource({ path }),
    skewSeconds: 300,
  });
}

const fileEvents = (): WatchEvent[] => fileSinkEvents(eventsDir);

/** the receiver's own check of `X-Signature: t=…,v1=…` (HMAC-SHA256 of "<t>.<body>"), independent of the product's helper */
function signatureValid(body: string, header: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  return m !== null && createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest('hex') === m[2];
}

beforeAll(async () => {
  sim = await watchSimulator(dir, 5, 500, 0.1);
  ca = await trustedCa(sim);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ body, signature: String(req.headers['x-signature'] ?? '') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ watch: { schedule: '0 9 * * *', sinks: [{ file: eventsDir }, { webhook: url, secret: SECRET }] } }));
  config = loadConfig({ file, env: { REDIS_URL }, cwd: dir });

  for (const n of [0, 1]) {
    const store = createRedisStore({ redis: REDIS_URL, prefix });
    stores.push(store);
    jobs.push(
      await startWatchJob({
        config,
        store,
        logger: pino({ level: 'silent' }),
        keyPrefix: prefix,
        bullPrefix: prefix,
        onPass: (report) => passes.push({ process: n, report }),
      }),
    );
  }
});

afterAll(async () => {
  for (const job of jobs) await job.close();
  for (const store of stores) await store.close();
  await new Promise<void>((r) => server.close(() => r()));
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

it('runs one pass per switch, reports each revocation once and delivers each batch once, with two processes on one Redis', async () => {
  expect(jobs.map((j) => j.mode)).toEqual(['queue', 'queue']);
  const good: number[] = [];
  for (let n = 0x07000000; good.length < 3; n++) if (sim.status(CA_ID, n).status === 'good') good.push(n);
  const [dying = 0, living1 = 0, living2 = 0] = good;
  const repo = createRedisWatch({ redis: REDIS_URL, prefix });
  await importWatchList(repo, [
    { customerId: 'C-1', issuer: CA_ID, caIds: [CA_ID], serial: BigInt(dying), notAfterMs: null },
    { customerId: 'C-2', issuer: CA_ID, caIds: [CA_ID], serial: BigInt(living1), notAfterMs: null },
    { customerId: 'C-3', issuer: CA_ID, caIds: [CA_ID], serial: BigInt(living2), notAfterMs: null },
  ]);
  await repo.close();

  // one schedule however many processes upserted it: the configured cron in Asia/Tokyo
  const schedulers = await jobs[0]?.watcher?.passQueue.getJobSchedulers();
  expect(schedulers?.map((s) => [s.key, s.pattern, s.tz])).toEqual([[SCHEDULER_ID, '0 9 * * *', 'Asia/Tokyo']]);

  await ingestGeneration(1);
  await until('the pass of generation 1', () => passes.length >= 1);
  await sim.revoke({ ca: CA_ID, serial: dying, reason: 'affiliationChanged' });
  await sim.advance(1);
  await ingestGeneration(2);
  await until('the pass of generation 2', () => passes.length >= 2);
  await until('the delivery', () => received.length >= 1);
  // give a duplicate pass or delivery from the other process time to show up
  await new Promise((r) => setTimeout(r, 1500));

  expect(passes).toHaveLength(2);
  const counts = await jobs[0]?.watcher?.passQueue.getJobCounts('completed', 'failed', 'active', 'waiting');
  expect(counts).toEqual({ completed: 2, failed: 0, active: 0, waiting: 0 });
  expect(passes.flatMap((p) => p.report.events).map((e) => `${e.customerId} ${e.reason}`)).toEqual(['C-1 affiliationChanged']);
  expect(fileEvents().map((e) => `${e.customerId} ${e.caId} ${e.reason} ${e.meaning}`)).toEqual([
    `C-1 ${CA_ID} affiliationChanged death_or_emigration`,
  ]);
  expect(received).toHaveLength(1);
  const [delivery] = received;
  expect(signatureValid(delivery?.body ?? '', delivery?.signature ?? '')).toBe(true);
  expect((JSON.parse(delivery?.body ?? '{}') as { events: WatchEvent[] }).events.map((e) => e.eventId)).toEqual(
    fileEvents().map((e) => e.eventId),
  );
});
