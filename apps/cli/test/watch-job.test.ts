/**
 * The death-detection job inside a running `jpki-validator fetch` (embedded store, no REDIS_URL), through the real binary: the
 * CRL source is a simulator file refreshed every second, the watch list is imported with `watch import` (before and while the
 * process runs), and a new CRL with a new affiliationChanged revocation is detected by the running process within seconds —
 * one new event in the file sink, one new signed batch at the webhook.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, cli, ensureBuilt, lastJson, REPO, type CliResult } from './run-cli.js';
import { createSimFixture, type SimFixture } from './sim-fixture.js';

interface WatchEvent {
  eventId: string;
  customerId: string;
  serial: string;
  reason: string | null;
  meaning: string;
}

const SECRET = 'watch-job-test-secret';
const { REDIS_URL: _redis, JPKI_VALIDATOR_CONFIG: _config, ...ENV } = process.env;
let sim: SimFixture;
let config: string;
let eventsDir: string;
let server: Server;
let child: ChildProcess | null = null;
let childStderr = '';
let thirdSerial = '';
const received: { body: string; signature: string }[] = [];

async function ok(args: readonly string[]): Promise<CliResult> {
  const result = await cli(args, { env: ENV });
  if (result.code !== 0) throw new Error(`jpki-validator ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result;
}

async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; process stderr: ${childStderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const fileEvents = (): WatchEvent[] =>
  readdirSync(eventsDir)
    .filter((n) => n.endsWith('.jsonl'))
    .flatMap((n) =>
      readFileSync(join(eventsDir, n), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as WatchEvent),
    );

const deliveredEvents = (): WatchEvent[] => received.flatMap((r) => (JSON.parse(r.body) as { events: WatchEvent[] }).events);

/** the receiver's own check of `X-Signature: t=…,v1=…` (HMAC-SHA256 of "<t>.<body>") */
function signatureValid(body: string, header: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  return (
    m !== null &&
    Math.abs(Number(m[1]) - Date.now() / 1000) < 300 &&
    createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest('hex') === m[2]
  );
}

/** the binary as a long-running process, its stderr collected */
function startBackground(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  childStderr = '';
  const started = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
  started.stderr?.on('data', (c: Buffer) => (childStderr += c.toString('utf8')));
  child = started;
  return started;
}

async function stop(running: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => running.once('exit', resolve));
  running.kill('SIGTERM');
  return exited;
}

/** the simulator's current CRL, written aside and then moved to where the config points (like a finished download) */
async function publishCrl(): Promise<void> {
  const next = join(sim.dir, 'next.crl.tmp');
  await ok(['sim', 'crl', '--dir', sim.simDir, '--ca', 'jpki-sign', '--out', next]);
  renameSync(next, sim.signCrl);
}

beforeAll(async () => {
  await ensureBuilt();
  sim = await createSimFixture();
  eventsDir = join(sim.dir, 'events');
  mkdirSync(eventsDir);
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
  config = join(sim.dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      issuers: [
        { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.signCa, crls: [{ name: 'full', source: sim.signCrl }], refresh: '1s' },
      ],
      dataDir: join(sim.dir, 'data'),
      watch: { schedule: '0 9 * * *', sinks: [{ file: eventsDir }, { webhook: url, secret: SECRET }] },
    }),
  );
}, 120_000);

afterAll(async () => {
  if (child !== null && child.exitCode === null) child.kill('SIGKILL');
  await new Promise<void>((r) => server.close(() => r()));
  await sim.cleanup();
});

it('a running fetch detects a new affiliationChanged revocation after the CRL switch: one new event, one signed batch', async () => {
  await ok(['fetch', '--once', '--config', config]);
  const list = join(sim.dir, 'customers.csv');
  writeFileSync(list, `customerId,issuer,serial\nC-001,jpki-sign,${sim.revokedLeafSerial}\nC-002,jpki-sign,${sim.signLeafSerial}\n`);
  await ok(['watch', 'import', list, '--config', config]);

  const fetcher = startBackground(['fetch', '--config', config, '--admin-port', '0'], ENV);
  await until('the fetch process to start', () => childStderr.includes('running'));
  expect(childStderr).toMatch(/in-process scheduler running; watch job on \(cron 0 9 \* \* \* Asia\/Tokyo\)/);

  // the start-up pass catches up on what was listed before the process ran: C-001, revoked in generation 1
  await until('the start-up pass', () => fileEvents().length === 1 && received.length === 1);
  expect(fileEvents().map((e) => `${e.customerId} ${e.reason}`)).toEqual(['C-001 affiliationChanged']);

  // a customer imported while the process runs, whose certificate stays good here
  const more = join(sim.dir, 'more.csv');
  thirdSerial = lastJson<{ serial: string }>(
    await ok(['sim', 'issue', '--dir', sim.simDir, '--ca', 'jpki-sign', '--out', join(sim.dir, 'third.pem')]),
  ).serial;
  writeFileSync(more, `customerId,issuer,serial\nC-003,jpki-sign,${thirdSerial}\n`);
  await ok(['watch', 'import', more, '--config', config]);

  // the simulator publishes a new CRL with C-002's certificate revoked
  await ok(['sim', 'revoke', '--dir', sim.simDir, '--ca', 'jpki-sign', '--serial', sim.signLeafSerial, '--reason', 'affiliationChanged']);
  await publishCrl();
  await until('the pass after the switch', () => fileEvents().length >= 2 && received.length >= 2);
  // later refreshes (every second, not modified) and their absence of switches add nothing
  await new Promise((r) => setTimeout(r, 1_500));

  const all = fileEvents();
  expect(all).toHaveLength(2);
  expect(all.slice(1).map((e) => [e.customerId, e.serial, e.reason, e.meaning])).toEqual([
    ['C-002', sim.signLeafSerial, 'affiliationChanged', 'death_or_emigration'],
  ]);
  expect(received).toHaveLength(2);
  for (const r of received) expect(signatureValid(r.body, r.signature)).toBe(true);
  expect(deliveredEvents().map((e) => e.eventId)).toEqual(all.map((e) => e.eventId));

  expect(await stop(fetcher)).toBe(0);
  // the process's passes are recorded where `watch events` reads them
  const listed = (await ok(['watch', 'events', '--config', config])).stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as WatchEvent).customerId);
  expect(listed.sort()).toEqual(['C-001', 'C-002']);
}, 60_000);

it('`start --config` keeps refetching and runs the watch job: a later superseded revocation is served and reported once', async () => {
  const started = startBackground(['start', '--config', config], { ...ENV, PORT: '0', LOG_LEVEL: 'warn' });
  await until('the validator to listen', () => /validator on (http:\/\/\S+)/.test(childStderr));
  expect(childStderr).toMatch(/watch job on \(cron 0 9 \* \* \* Asia\/Tokyo\)/);
  const base = /validator on (http:\/\/\S+)/.exec(childStderr)?.[1] ?? '';
  const status = async (): Promise<Record<string, unknown>> =>
    (await (await fetch(`${base}/v1/status/jpki-sign/${thirdSerial}`)).json()) as Record<string, unknown>;
  expect(await status()).toMatchObject({ status: 'good' });

  await ok(['sim', 'revoke', '--dir', sim.simDir, '--ca', 'jpki-sign', '--serial', thirdSerial, '--reason', 'superseded']);
  await publishCrl();
  await until('the pass after the switch', () => fileEvents().length >= 3 && received.length >= 3);
  expect(await status()).toMatchObject({ status: 'revoked', reason: 'superseded', meaning: 'basic_info_changed' });
  await new Promise((r) => setTimeout(r, 1_000));
  expect(
    fileEvents()
      .slice(2)
      .map((e) => [e.customerId, e.serial, e.reason, e.meaning]),
  ).toEqual([['C-003', thirdSerial, 'superseded', 'basic_info_changed']]);
  expect(received).toHaveLength(3);
  expect(signatureValid(received[2]?.body ?? '', received[2]?.signature ?? '')).toBe(true);
  expect(await stop(started)).toBe(0);
}, 60_000);
