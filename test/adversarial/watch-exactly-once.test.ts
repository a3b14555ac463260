/**
 * Exactly-once death detection with real processes killed by SIGKILL (issue 10 #5), on the embedded store and on Redis (a
 * redis-server of its own: the CLI uses the default key prefix).
 *
 * Each round revokes new watched certificates in the simulator, publishes and fetches the CRL, then runs `watch run` again and
 * again, each run killed: first at every named step between two durable writes (a preloaded hook, watch-crash-hook.mjs, SIGKILLs
 * the process there — after its events file is renamed into place and before that is recorded, among others), then at random
 * moments. One round also kills `watch import` midway. Last, two clean runs. Then every line of every file in the sink, the
 * event log, and what reached the webhook (embedded: the receiver; Redis: the BullMQ jobs) are counted against the simulator's
 * truth: each event exactly once in the file sink, in the log and in the published batches. A webhook POST may repeat only as a
 * whole batch with the same X-Batch-Id (a kill between the receiver's 2xx and recording it).
 *
 * Longer run: JV_KILL_ROUNDS=10 JV_RANDOM_KILLS=30 npx vitest run test/adversarial/watch-exactly-once.test.ts
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSimulator } from '@jpki-validator/sim';
import { BIN, cli, ensureBuilt, REPO } from '../../apps/cli/test/run-cli.js';

const HOOK = fileURLToPath(new URL('./watch-crash-hook.mjs', import.meta.url));
// biome-ignore lint/suspicious/noUndeclaredEnvVars: the test's own knob (a longer run), never an input of a turbo task
const ROUNDS = Number(process.env.JV_KILL_ROUNDS ?? 2);
// biome-ignore lint/suspicious/noUndeclaredEnvVars: as above
const RANDOM_KILLS = Number(process.env.JV_RANDOM_KILLS ?? 6);
const CA = 'jpki-sign-2023';
const SECRET = 'kill-test-webhook-secret';
const CUSTOMERS = 1200;

/**
 * Every step between two durable writes of a pass, its deliveries (file sink first, then the webhook) and the outbox, in the
 * order a run reaches them: each run dies at its point and the next resumes from there.
 */
const POINTS = [
  'pass.appended',
  'journal.before-commit',
  'pass.committed',
  'delivery.staged',
  'delivery.staged-recorded',
  // the moment of issue 10 #5: the events file is in place, nothing after it has run (caught at fs.promises.rename)
  'events-file-renamed',
  'delivery.published',
  'delivery.done',
  'outbox.staged-one',
  'delivery.staged-recorded',
  'outbox.published-one',
  'delivery.published',
  // between the receiver's 2xx and removing the batch: the one repeat a webhook may see
  'outbox.posted',
];

const { REDIS_URL: _r, JPKI_VALIDATOR_CONFIG: _c, JPKI_VALIDATOR_DATA_DIR: _d, ...BASE_ENV } = process.env;

interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** `jpki-validator <args>`; killed at `crashAt` by the preloaded hook, or after `killAfterMs` by the test */
function run(args: readonly string[], env: NodeJS.ProcessEnv, crashAt?: string, killAfterMs?: number): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(crashAt ? ['--import', HOOK] : []), BIN, ...args], {
      cwd: REPO,
      env: { ...env, ...(crashAt ? { JV_CRASH_AT: crashAt } : {}) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** a deterministic sequence in [0, 1) */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** a redis-server of the test's own (the shared one must not see the CLI's default key prefix) */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // not up yet: tried again below
    const ok = await probe
      .connect()
      .then(() => probe.ping())
      .then(() => true)
      .catch(() => false);
    probe.disconnect();
    if (ok) break;
    if (i > 100) throw new Error(`redis-server on ${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

interface Received {
  batchId: string;
  eventIds: string[];
}

describe.each(['embedded', 'redis'])('watch run killed again and again (%s)', (kind) => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let config: string;
  let eventsDir: string;
  let server: Server;
  let redis: { url: string; stop: () => Promise<void> } | null = null;
  const received: Received[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), `jv-kill-${kind}-`));
    eventsDir = join(dir, 'events');
    mkdirSync(eventsDir);
    server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const events = (JSON.parse(body) as { events: { eventId: string }[] }).events;
        received.push({ batchId: String(req.headers['x-batch-id']), eventIds: events.map((e) => e.eventId) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    env = { ...BASE_ENV };
    if (kind === 'redis') {
      redis = await startRedis();
      env.REDIS_URL = redis.url;
    }
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every event exactly once to the file sink, the log and the webhook', async () => {
    const sim = await initSimulator({
      dir: join(dir, 'sim'),
      seed: 11,
      populationPerCa: 3000,
      revokedRate: 0.1,
      generations: [2023],
      kinds: ['sign'],
      partitions: 0,
    });
    const base = sim.listCas().find((c) => c.id === CA)?.serialBase ?? 0;
    const crl = join(dir, 'sign.crl');
    config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        issuers: [{ id: CA, group: 'jpki-sign', caCert: sim.caCertificatePath(CA), crls: [{ name: 'full', source: crl }], refresh: '1h' }],
        dataDir: join(dir, 'data'),
        watch: {
          sinks: [{ file: eventsDir }, { webhook: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, secret: SECRET }],
        },
      }),
    );
    const ok = async (args: readonly string[]) => {
      const r = await cli([...args, '--config', config], { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    };
    const publish = async () => {
      await sim.writeCrl({ ca: CA, out: crl });
      await ok(['fetch', '--once']);
    };

    // customer i watches serial base + 2i; every 20th certificate has expired
    const customers = new Map<string, { serial: number; expired: boolean }>();
    const rowsOf = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => {
        const i = from + k;
        const c = { serial: base + 2 * i, expired: i % 20 === 3 };
        customers.set(`C-${i}`, c);
        return `C-${i},jpki-sign,${c.serial.toString(16)},${c.expired ? '2020-01-01' : '2031-01-01'}`;
      });
    const header = 'customerId,issuer,serial,notAfter';
    const listFile = join(dir, 'list.csv');
    writeFileSync(listFile, `${[header, ...rowsOf(0, CUSTOMERS)].join('\n')}\n`);
    await publish();
    await ok(['watch', 'import', listFile]);

    const random = prng(kind === 'redis' ? 7 : 5);
    const runArgs = ['watch', 'run', '--config', config];
    let killed = 0;
    const fired = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      // new revocations of watched certificates
      let fresh = 0;
      for (const [, c] of customers) {
        if (fresh >= 40) break;
        if (sim.status(CA, c.serial).status !== 'good' || random() < 0.5) continue;
        await sim.revoke({ ca: CA, serial: c.serial, reason: fresh % 2 ? 'superseded' : 'affiliationChanged' });
        fresh++;
      }
      if (round === 1) {
        // more customers, imported by a `watch import` killed at its two steps first: all of it or none
        writeFileSync(listFile, `${[header, ...rowsOf(0, CUSTOMERS + 60)].join('\n')}\n`);
        for (const point of ['import.parsed', 'journal.before-commit']) {
          const r = await run(['watch', 'import', listFile, '--config', config], env, point);
          expect(r.signal, r.stderr).toBe('SIGKILL');
          killed++;
        }
        await ok(['watch', 'import', listFile]);
      }
      await publish();
      for (const point of POINTS) {
        const r = await run(runArgs, env, point);
        // a point a run did not reach (nothing left to post) lets it finish
        expect(r.signal === 'SIGKILL' || r.code === 0, `${point}: ${r.code} ${r.signal} ${r.stderr}`).toBe(true);
        if (r.signal === 'SIGKILL') {
          killed++;
          fired.add(point);
        }
      }
      for (let k = 0; k < RANDOM_KILLS; k++) {
        const r = await run(runArgs, env, undefined, 150 + Math.floor(random() * 1500));
        if (r.signal === 'SIGKILL') killed++;
        else expect(r.code, r.stderr).toBe(0);
      }
    }
    const last = await run(runArgs, env);
    expect(last.code, last.stderr).toBe(0);
    expect((await run(runArgs, env)).code).toBe(0);
    // every step was crashed at, at least once (a Redis run has no outbox: its webhook batches go to BullMQ)
    expect([...fired].sort()).toEqual([...new Set(POINTS)].filter((p) => kind === 'embedded' || !p.startsWith('outbox.')).sort());
    expect(killed).toBeGreaterThan(fired.size);

    // the truth: one revoked event per revoked watched certificate, one expired event per expired one
    const expected = new Map<string, number>();
    for (const [id, c] of customers) {
      const n = (sim.status(CA, c.serial).status === 'revoked' ? 1 : 0) + (c.expired ? 1 : 0);
      if (n > 0) expected.set(id, n);
    }
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(100);

    // the file sink: every line once
    const fileLines = readdirSync(eventsDir)
      .filter((n) => n.endsWith('.jsonl'))
      .flatMap((n) => readFileSync(join(eventsDir, n), 'utf8').split('\n').filter(Boolean));
    const fileEvents = fileLines.map((l) => JSON.parse(l) as { eventId: string; customerId: string });
    expect(readdirSync(eventsDir).filter((n) => !n.endsWith('.jsonl'))).toEqual([]);
    expect(fileEvents).toHaveLength(total);
    expect(new Set(fileEvents.map((e) => e.eventId)).size).toBe(total);
    const perCustomer = new Map<string, number>();
    for (const e of fileEvents) perCustomer.set(e.customerId, (perCustomer.get(e.customerId) ?? 0) + 1);
    expect(perCustomer).toEqual(expected);

    // the log
    const log = await cli(['watch', 'events', '--config', config], { env });
    const logged = log.stdout.split('\n').filter(Boolean);
    expect(logged).toHaveLength(total);
    expect(new Set(logged.map((l) => (JSON.parse(l) as { eventId: string }).eventId))).toEqual(new Set(fileEvents.map((e) => e.eventId)));

    // the webhook: each event published in exactly one batch
    const batches = new Map<string, string[]>();
    if (kind === 'embedded') {
      for (const r of received) {
        const seen = batches.get(r.batchId);
        // a repeat is the same batch, whole
        if (seen !== undefined) expect(r.eventIds).toEqual(seen);
        batches.set(r.batchId, r.eventIds);
      }
    } else {
      const queue = new Queue('watch-webhooks', { connection: { url: redis?.url ?? '' } });
      for (const job of await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized'])) {
        if (job?.id !== undefined)
          batches.set(
            job.id,
            (job.data as { events: { eventId: string }[] }).events.map((e) => e.eventId),
          );
      }
      await queue.close();
    }
    const published = [...batches.values()].flat();
    expect(published).toHaveLength(total);
    expect(new Set(published)).toEqual(new Set(fileEvents.map((e) => e.eventId)));
  }, 900_000);
});
