/**
 * End to end on real things: the simulator's CRLs ingested by the CRL fetcher into the Redis store, a Redis watch list, BullMQ,
 * and a local HTTP receiver that is down at first.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import type { Simulator } from '@jpki-validator/sim';
import { createRedisStore, type RedisRevocationStore } from '@jpki-validator/store';
import { createMeaningResolver, JPKI_PROFILE } from '@jpki-validator/config';
import {
  createRedisWatch,
  importWatchList,
  verifySignature,
  type PassReport,
  type WatchEvent,
  type WatchRepository,
} from '@jpki-validator/watch';
import { createFileSource, ingestCrl, type TrustedCa } from '@jpki-validator/crl-fetcher';
import { crlSlot } from '@jpki-validator/config';
import { createWatcher, type Watcher } from '../src/index.js';
import { CA_ID, fileSinkEvents, trustedCa, watchSimulator } from './world.js';

const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'test-secret';
const prefix = `jvtest-watcher-${randomBytes(6).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'jv-watcher-'));
const eventsDir = join(dir, 'events');

let sim: Simulator;
let ca: TrustedCa;
let store: RedisRevocationStore;
let repo: WatchRepository;
let watcher: Watcher;
let server: Server;
let url = '';
let receiverUp = false;
const received: { body: string; signature: string }[] = [];
const passes: PassReport[] = [];

async function ingestGeneration(n: number): Promise<void> {
  const path = join(dir, `gen${n}.crl`);
  await sim.writeCrl({ ca: CA_ID, out: path });
  await ingestCrl({
    store,
    ca,
    partition: crlSlot({ name: 'full', source: path, scope: 'full' }),
    source: createFileSource({ path }),
    skewSeconds: 300,
  });
}

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** serials of the seeded population by status and reason */
function population(): { revoked: Map<string, number[]>; good: number[] } {
  const revoked = new Map<string, number[]>();
  const good: number[] = [];
  for (let n = 0x07000000; n < 0x07000000 + 2000; n++) {
    const s = sim.status(CA_ID, n);
    if (s.status === 'good') good.push(n);
    else if (s.reason) revoked.set(s.reason, [...(revoked.get(s.reason) ?? []), n]);
  }
  return { revoked, good };
}

const filesEvents = (): WatchEvent[] => fileSinkEvents(eventsDir);

beforeAll(async () => {
  sim = await watchSimulator(dir, 11, 2_000, 0.2);
  ca = await trustedCa(sim);
  store = createRedisStore({ redis: REDIS_URL, prefix });
  await store.subscribed();
  repo = createRedisWatch({ redis: REDIS_URL, prefix });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (!receiverUp) {
        res.writeHead(503).end();
        return;
      }
      received.push({ body, signature: String(req.headers['x-signature'] ?? '') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  watcher = createWatcher({
    connection: { url: REDIS_URL, maxRetriesPerRequest: null },
    prefix,
    store,
    snapshot: (caId) => store.loadSnapshot(caId),
    repo,
    meaning: createMeaningResolver(JPKI_PROFILE),
    schedule: { cron: '0 9 * * *' },
    timeZone: 'Asia/Tokyo',
    sinks: [{ file: eventsDir }, { webhook: url, secret: SECRET }],
    logger: pino({ level: 'silent' }),
    backoffBaseMs: 100,
    onPass: (r) => passes.push(r),
  });
  await watcher.start();
});

afterAll(async () => {
  await watcher.close();
  await repo.close();
  await store.close();
  await new Promise<void>((r) => server.close(() => r()));
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

it('reports the watched revocations of each generation once, by file and signed webhook, after switches and with the receiver down at first', async () => {
  const { revoked, good } = population();
  const deaths = revoked.get('affiliationChanged') ?? [];
  const [g1, g2, g3, g4 = 0] = good;
  expect(deaths.length).toBeGreaterThan(0);
  const rows = [
    { customerId: 'dead-1', serial: deaths[0] ?? 0 },
    { customerId: 'alive-1', serial: g1 ?? 0 },
    { customerId: 'alive-2', serial: g2 ?? 0 },
    { customerId: 'alive-3', serial: g3 ?? 0 },
    { customerId: 'alive-4', serial: g4 },
  ].map((r) => ({ customerId: r.customerId, issuer: CA_ID, caIds: [CA_ID], serial: BigInt(r.serial), notAfterMs: null }));
  await importWatchList(repo, rows);

  // the scheduler exists with the configured cron and time zone
  const schedulers = await watcher.passQueue.getJobSchedulers();
  expect(schedulers.map((s) => [s.pattern, s.tz])).toEqual([['0 9 * * *', 'Asia/Tokyo']]);

  // generation 1 switches in: the switch event triggers a pass; the receiver is down
  await ingestGeneration(1);
  await until('the first pass', () => passes.length === 1);
  expect(passes[0]?.events.map((e) => `${e.customerId} ${e.reason}`)).toEqual(['dead-1 affiliationChanged']);
  await new Promise((r) => setTimeout(r, 500));
  expect(received).toEqual([]);

  // generation 2: affiliationChanged, superseded and a hold for three watched customers
  await sim.revoke({ ca: CA_ID, serial: g1 ?? 0, reason: 'affiliationChanged' });
  await sim.revoke({ ca: CA_ID, serial: g2 ?? 0, reason: 'superseded' });
  await sim.revoke({ ca: CA_ID, serial: g3 ?? 0, reason: 'certificateHold' });
  await sim.advance(1);
  await ingestGeneration(2);
  await until('the second pass', () => passes.length === 2);
  expect(passes[1]?.events.map((e) => `${e.customerId} ${e.reason} ${e.meaning}`)).toEqual([
    'alive-1 affiliationChanged death_or_emigration',
    'alive-2 superseded basic_info_changed',
    'alive-3 certificateHold suspended_card_lost',
  ]);

  // the receiver comes back: both batches arrive, once each, signed
  receiverUp = true;
  await until('two deliveries', () => received.length === 2);
  await new Promise((r) => setTimeout(r, 1500));
  expect(received).toHaveLength(2);
  for (const r of received) expect(verifySignature(r.body, r.signature, SECRET)).toBe(true);
  expect(verifySignature(received[0]?.body ?? '', received[0]?.signature ?? '', 'wrong-secret')).toBe(false);
  const delivered = received.flatMap((r) => (JSON.parse(r.body) as { events: WatchEvent[] }).events);
  expect(delivered.map((e) => e.eventId).sort()).toEqual(
    filesEvents()
      .map((e) => e.eventId)
      .sort(),
  );

  // a third pass (manual) and a replayed generation report nothing
  await watcher.trigger({ trigger: 'manual' });
  await until('the third pass', () => passes.length === 3);
  expect(passes[2]?.events).toEqual([]);
  expect(filesEvents()).toHaveLength(4);
});
