/**
 * The in-process watch runner on real things: the embedded store in a data directory (simulator CRLs ingested by the fetcher's
 * ingest), the embedded watch list, the durable webhook outbox and a local HTTP receiver that is down at first. The runner's
 * clock is set to 08:59:59 in Tokyo so the daily `0 9 * * *` schedule fires in a second — in the configured zone, not UTC.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Simulator } from '@jpki-validator/sim';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { createMeaningResolver, JPKI_PROFILE } from '@jpki-validator/config';
import {
  importWatchList,
  openEmbeddedWatch,
  verifySignature,
  WebhookOutbox,
  type DeliveryReport,
  type WatchRepository,
  type PassReport,
  type WatchEvent,
} from '@jpki-validator/watch';
import { createFileSource, ingestCrl, type TrustedCa } from '@jpki-validator/crl-fetcher';
import { crlSlot } from '@jpki-validator/config';
import { startEmbeddedWatchRunner, type EmbeddedWatchRunner } from '../src/index.js';
import { CA_ID, fileSinkEvents, trustedCa, watchSimulator } from './world.js';

const SECRET = 'embedded-runner-secret';
const dir = mkdtempSync(join(tmpdir(), 'jv-watch-runner-'));
const eventsDir = join(dir, 'events');
const outboxDir = join(dir, 'data', 'watch', 'outbox');

let sim: Simulator;
let ca: TrustedCa;
let store: EmbeddedRevocationStore;
let repo: WatchRepository;
let runner: EmbeddedWatchRunner;
let server: Server;
let receiverUp = false;
const received: { body: string; signature: string }[] = [];
const passes: PassReport[] = [];
const rounds: DeliveryReport[] = [];

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

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

const fileEvents = (): WatchEvent[] => fileSinkEvents(eventsDir);

beforeAll(async () => {
  sim = await watchSimulator(dir, 3, 500, 0.1);
  ca = await trustedCa(sim);
  store = await openEmbeddedStore({ dataDir: join(dir, 'data'), watch: false });
  repo = await openEmbeddedWatch({ dir: join(dir, 'data', 'watch') });
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
});

afterAll(async () => {
  await runner.close();
  await repo.close();
  await store.close();
  await new Promise<void>((r) => server.close(() => r()));
});

it('passes on the Tokyo cron and after a switch, once each, and delivers the outbox once the receiver is back', async () => {
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  // generation 1 is loaded before the runner starts: C-1's certificate is already revoked, C-2's is good
  const revoked =
    Array.from({ length: 500 }, (_, i) => 0x07000000 + i).find((n) => sim.status(CA_ID, n).reason === 'affiliationChanged') ?? 0;
  const good = Array.from({ length: 500 }, (_, i) => 0x07000000 + i).find((n) => sim.status(CA_ID, n).status === 'good') ?? 0;
  await ingestGeneration(1);
  await importWatchList(repo, [
    { customerId: 'C-1', issuer: CA_ID, caIds: [CA_ID], serial: BigInt(revoked), notAfterMs: null },
    { customerId: 'C-2', issuer: CA_ID, caIds: [CA_ID], serial: BigInt(good), notAfterMs: null },
  ]);

  // a clock at 08:59:59 Tokyo (23:59:59 UTC): the next `0 9 * * *` in Asia/Tokyo is one second away, in UTC nine hours
  const nowUtc = new Date();
  const offsetMs = Date.UTC(nowUtc.getUTCFullYear(), nowUtc.getUTCMonth(), nowUtc.getUTCDate(), 23, 59, 59) - Date.now();
  runner = startEmbeddedWatchRunner({
    store,
    snapshot: async (caId) => store.snapshot(caId),
    repo,
    meaning: createMeaningResolver(JPKI_PROFILE),
    schedule: { cron: '0 9 * * *' },
    timeZone: 'Asia/Tokyo',
    sinks: [{ file: eventsDir }, { webhook: url, secret: SECRET }],
    outbox: new WebhookOutbox(outboxDir),
    logger: pino({ level: 'silent' }),
    retryIntervalMs: 200,
    passAtStart: false,
    onPass: (r) => passes.push(r),
    onDelivery: (r) => rounds.push(r),
    now: () => Date.now() + offsetMs,
  });

  await until('the scheduled pass', () => passes.length === 1, 5_000);
  expect(passes[0]?.events.map((e) => `${e.customerId} ${e.reason}`)).toEqual(['C-1 affiliationChanged']);

  // generation 2 revokes C-2: the switch brings one more pass
  await sim.revoke({ ca: CA_ID, serial: good, reason: 'affiliationChanged' });
  await sim.advance(1);
  await ingestGeneration(2);
  await until('the pass after the switch', () => passes.length === 2);
  expect(passes[1]?.events.map((e) => `${e.customerId} ${e.reason} ${e.meaning}`)).toEqual(['C-2 affiliationChanged death_or_emigration']);
  expect(fileEvents()).toHaveLength(2);

  // the receiver was down: both batches wait in the outbox; a retry round after it comes back delivers each once
  await until('a failed delivery round', () => rounds.some((r) => r.pending === 2));
  expect(received).toEqual([]);
  receiverUp = true;
  await until('both deliveries', () => received.length === 2);
  await until('an idle delivery round', () => rounds.at(-1)?.pending === 0 && rounds.at(-1)?.delivered === 0);
  expect(received).toHaveLength(2);
  for (const r of received) expect(verifySignature(r.body, r.signature, SECRET)).toBe(true);
  const delivered = received.flatMap((r) => (JSON.parse(r.body) as { events: WatchEvent[] }).events.map((e) => e.eventId));
  expect(delivered.sort()).toEqual(
    fileEvents()
      .map((e) => e.eventId)
      .sort(),
  );
  expect(readdirSync(outboxDir)).toEqual([]);
  // a pass asked for now finds nothing new
  expect((await runner.runNow()).events).toEqual([]);
  expect(passes).toHaveLength(3);
});
